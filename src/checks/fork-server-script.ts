/**
 * The fork server's program, run by the host's perl (`perl -e`; perl-base is Essential on Debian).
 * Node cannot start a process without forking the whole runtime (~1 ms of CPU a run, most of it
 * page tables and copy-on-write); perl forks a 2 MiB process, and can call setsid(2) in the child,
 * which no shell can without one more exec. Per request it forks a child that makes itself a process
 * group, writes 0 (itself) into every cgroup.procs it is given, reports by one byte whether the one
 * that must hold did, and only then execs the run's command with its stdout and stderr on a pipe the
 * server reads. Requests (one line each): `R RUN REQUIRED FILES ENV ARGV`, every field hex, lists
 * comma-separated, `-` for none; `D RUN` stops reading a run's output. Answers: `S RUN PID` started,
 * `F RUN WHY` not started, `J RUN a|s|n` joined all, some (the required one among them), none (not run),
 * `O RUN LENGTH` then its bytes, `C RUN` output shut, `X RUN CODE|- SIGNAL|-` exited.
 * Arguments: the most output bytes passed on per run (the rest is read and dropped), and the number
 * of the prctl syscall on this machine (0: unknown), with which each run sets no_new_privs itself,
 * checked in its /proc/self/status, instead of one exec of setpriv per run.
 */
export const FORK_SERVER_SCRIPT = String.raw`
use strict;
use warnings;
use POSIX ();

my $cap = ($ARGV[0] // 8192) + 0;
my $prctl = ($ARGV[1] // 0) + 0;
$SIG{PIPE} = 'IGNORE';
# A handler (the default disposition discards SIGCHLD) makes select() return when a run's process exits.
$SIG{CHLD} = sub { };
my (%out_of, %left_of, %marked, %run_of_pid);
my ($in, $out) = ('', '');

sub unhex { my ($list) = @_; return $list eq '-' ? () : map { pack 'H*', $_ } split /,/, $list }

sub child {
  my ($w, $required, $files, $env, $argv) = @_;
  POSIX::setsid();
  $SIG{PIPE} = 'DEFAULT';
  $SIG{CHLD} = 'DEFAULT';
  my ($mark, $joined) = ('a', 0);
  for my $file (@$files) {
    my $fh;
    my $ok = sysopen($fh, $file, POSIX::O_WRONLY()) && syswrite($fh, '0');
    if ($ok) { $joined = 1 if $file eq $required } else { $mark = 's' }
  }
  $mark = 'n' unless $joined && getpgrp() == $$ && (!$prctl || no_new_privs());
  open(STDIN, '<', '/dev/null');
  POSIX::dup2(fileno($w), 1);
  POSIX::dup2(fileno($w), 2);
  syswrite(STDOUT, $mark);
  POSIX::_exit(0) if $mark eq 'n';
  %ENV = map { split /=/, $_, 2 } @$env;
  { exec { $argv->[0] } @$argv }
  syswrite(STDOUT, "cannot run $argv->[0]: $!\n");
  POSIX::_exit(127);
}

# PR_SET_NO_NEW_PRIVS (38), then read back: a run goes on only when the kernel says it holds.
sub no_new_privs {
  syscall($prctl, 38, 1, 0, 0, 0);
  open(my $status, '<', '/proc/self/status') or return 0;
  local $/;
  return <$status> =~ /^NoNewPrivs:\s*1$/m;
}

sub start_run {
  my ($run, $required, $files, $env, $argv) = @_;
  my @argv = unhex($argv);
  my ($r, $w);
  if (!@argv || !pipe($r, $w)) { $out .= "F $run cannot make a pipe\n"; return }
  # select() takes descriptors below 1024 only.
  if (fileno($r) > 1000) { close $r; close $w; $out .= "F $run too many runs at once\n"; return }
  my $pid = fork();
  if (!defined $pid) { close $r; close $w; $out .= "F $run cannot fork\n"; return }
  child($w, (unhex($required))[0] // '', [unhex($files)], [unhex($env)], \@argv) if $pid == 0;
  close $w;
  ($out_of{$run}, $left_of{$run}, $run_of_pid{$pid}) = ($r, $cap, $run);
  $out .= "S $run $pid\n";
}

sub forget_output {
  my ($run) = @_;
  close(delete $out_of{$run});
  delete $left_of{$run};
  delete $marked{$run};
}

sub request {
  my @f = split / /, $_[0];
  my $verb = shift(@f) // '';
  if ($verb eq 'R' && @f == 5) { start_run(@f) }
  elsif ($verb eq 'D' && @f == 1 && $out_of{$f[0]}) { forget_output($f[0]) }
}

sub drain {
  my ($run) = @_;
  my $got = sysread($out_of{$run}, my $buf, 65536);
  return if !defined $got && ($!{EINTR} || $!{EAGAIN});
  if (!$got) { forget_output($run); $out .= "C $run\n"; return }
  if (!$marked{$run}) { $marked{$run} = 1; $out .= "J $run " . substr($buf, 0, 1, '') . "\n" }
  my $take = length($buf) < $left_of{$run} ? length($buf) : $left_of{$run};
  return if $take == 0;
  $left_of{$run} -= $take;
  $out .= "O $run $take\n" . substr($buf, 0, $take);
}

while (1) {
  my $rin = '';
  vec($rin, 0, 1) = 1;
  vec($rin, fileno($_), 1) = 1 for values %out_of;
  # A SIGCHLD that came just before select() would be missed: with runs alive it waits 0.25 s at most.
  my $n = select(my $rout = $rin, undef, undef, %run_of_pid ? 0.25 : undef);
  if ($n > 0) {
    if (vec($rout, 0, 1)) {
      my $got = sysread(STDIN, $in, 65536, length $in);
      exit 0 if defined $got && $got == 0;
      request($1) while $in =~ s/\A([^\n]*)\n//;
    }
    for my $run (keys %out_of) { drain($run) if $out_of{$run} && vec($rout, fileno($out_of{$run}), 1) }
  }
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $run = delete $run_of_pid{$pid};
    $out .= ($? & 127 ? "X $run - " . ($? & 127) : "X $run " . ($? >> 8) . " -") . "\n" if defined $run;
  }
  while (length $out) {
    my $put = syswrite(STDOUT, $out);
    if (!defined $put) { next if $!{EINTR} || $!{EAGAIN}; exit 1 }
    substr($out, 0, $put, '');
  }
}
`;
