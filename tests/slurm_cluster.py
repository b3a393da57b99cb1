"""A private single-node Slurm cluster for tests (Debian/Ubuntu `slurmctld slurmd slurm-client munge`).

    cluster = start_cluster(workdir)       # writes workdir/slurm.conf, starts munged (if needed),
    try:                                   # slurmctld and slurmd, waits until the node is idle
        cluster.run("sbatch", "--wrap", "hostname")      # clients get SLURM_CONF via cluster.env
    finally:
        cluster.stop()                     # kills exactly the PIDs start_cluster started

The pytest fixture `slurm_cluster` (session scope) wraps this; import it in a test module or a
conftest.py with ``from slurm_cluster import slurm_cluster  # noqa: F401``.

Design notes
- Everything except munge lives in `workdir` (config, state, spool, logs, pid files); the daemons
  listen on free TCP ports chosen at start, so a system Slurm on 6817/6818 is not disturbed.
- munge: an already running munged (socket answers `munge -n`) is reused and never stopped; otherwise
  the key is created if missing and munged is started in the foreground as user `munge` with a
  munge-owned /run/munge, and stopped again by `stop()`.
- No accounting (accounting_storage/none). Finished jobs are still visible via `squeue --states=all`
  for MinJobAge seconds, and every finished job is appended to `workdir/jobcomp.txt`
  (JobCompType=jobcomp/filetxt): `Cluster.completed_jobs()` parses it.
- The daemons must run as root (SlurmUser=root; slurmd has to start job steps).
- The node has one `gpu` GRES bound to a dummy device file (gres.conf `Name=gpu File=/dev/null`):
  `sbatch --gpus=1` is scheduled there and runs with CUDA_VISIBLE_DEVICES=0, but torch sees no CUDA.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")
PARTITION = "debug"
GPU_DEVICE_FILE = "/dev/null"  # the test node's one `gpu` GRES (see write_slurm_conf)
MIN_JOB_AGE = 600  # seconds a finished job stays visible to squeue (plugin needs >= 3 x init wait)


class SlurmUnavailable(RuntimeError):
    """Slurm/munge is not installed or cannot be run here (the fixture skips, or fails under CI)."""


def _which(exe: str) -> str | None:
    found = shutil.which(exe)
    if found:
        return found
    for d in SBIN_DIRS:
        p = Path(d) / exe
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return None


def slurm_installed() -> tuple[bool, str]:
    """(True, "") if every needed executable exists, else (False, reason)."""
    missing = [e for e in ("slurmctld", "slurmd", "sbatch", "srun", "squeue", "sinfo", "scontrol",
                           "munged", "munge") if _which(e) is None]
    if missing:
        return False, (f"Slurm/munge not installed (missing: {', '.join(missing)}); "
                       "run .ci/install_slurm.sh (apt: slurmctld slurmd slurm-client munge)")
    return True, ""


def die_with_parent(sig: int = signal.SIGTERM, uid: int | None = None, gid: int | None = None):
    """preexec_fn: the child gets `sig` when the process that started it dies (Linux prctl).

    Keeps the daemons (and test runs of snakemake) from outliving a killed pytest, where no
    fixture teardown or atexit handler runs. Changing the user clears that setting, so the
    optional switch to `uid`/`gid` happens here, before the prctl call (some kernels, gVisor
    among them, still drop it at exec for a process that changed user: a munged left over
    after a SIGKILLed pytest is harmless and reused by the next start_cluster). libc is loaded here,
    in the parent: the child of a process with threads (pytest's HTTP fixtures) may only make plain
    system calls before exec, never import.
    """
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux / no prctl: teardown still stops the daemons
        prctl = None

    def preexec():
        if gid is not None:
            os.setgroups([])
            os.setgid(gid)
        if uid is not None:
            os.setuid(uid)
        if prctl is not None:
            prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    return preexec


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_hardware() -> dict[str, str]:
    """Node description as `slurmd -C` reports it (CPUs, Boards, Sockets..., RealMemory)."""
    hw: dict[str, str] = {}
    try:
        out = subprocess.run([_which("slurmd") or "slurmd", "-C"], capture_output=True, text=True,
                             timeout=30).stdout
        first = out.splitlines()[0] if out.strip() else ""
        for tok in first.split():
            k, _, v = tok.partition("=")
            if k and v and k not in ("NodeName", "UpTime"):
                hw[k] = v
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    if "CPUs" not in hw:
        hw = {"CPUs": str(os.cpu_count() or 1)}
    if "RealMemory" not in hw:
        with open("/proc/meminfo") as fh:
            kb = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:"))
        hw["RealMemory"] = str(kb // 1024)
    return hw


def _munge_works(env: dict | None = None) -> bool:
    munge, unmunge = _which("munge"), _which("unmunge")
    if not munge or not unmunge:
        return False
    try:
        cred = subprocess.run([munge, "-n"], capture_output=True, timeout=10, env=env)
        if cred.returncode != 0:
            return False
        check = subprocess.run([unmunge], input=cred.stdout, capture_output=True, timeout=10,
                               env=env)
        return check.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _wait_for(predicate, timeout: float, what: str, poll: float = 0.3, on_fail=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll)
    detail = on_fail() if on_fail else ""
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")


@dataclass
class Cluster:
    workdir: Path
    conf: Path
    nodename: str
    cpus: int
    real_memory_mb: int
    partition: str = PARTITION
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    started_munged: bool = False
    _stopped: bool = False

    @property
    def env(self) -> dict[str, str]:
        """os.environ plus SLURM_CONF: pass to every Slurm client (and to snakemake)."""
        env = dict(os.environ)
        env["SLURM_CONF"] = str(self.conf)
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', os.defpath)}"
        return env

    @property
    def bin_dir(self) -> Path:
        """Holds the `srun` shim (see write_srun_shim); first on PATH in `env`."""
        return self.workdir / "bin"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "log"

    def run(self, *args: str, check: bool = True, timeout: float = 60,
            **kw) -> subprocess.CompletedProcess:
        """Run a Slurm client command against this cluster."""
        cmd = [_which(args[0]) or args[0], *args[1:]]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=check,
                              timeout=timeout, **kw)

    def node_state(self) -> str:
        r = self.run("sinfo", "-h", "-N", "-n", self.nodename, "-o", "%t", check=False, timeout=15)
        return r.stdout.strip() if r.returncode == 0 else f"<sinfo failed: {r.stderr.strip()}>"

    def queue(self) -> list[tuple[str, str, str]]:
        """(jobid, name, state) of every job slurmctld still knows (incl. finished < MinJobAge)."""
        r = self.run("squeue", "-h", "--states=all", "-o", "%i|%j|%T", timeout=15)
        return [tuple(line.split("|", 2)) for line in r.stdout.splitlines() if line.strip()]

    def completed_jobs(self) -> list[dict[str, str]]:
        """Records of finished jobs from the job-completion log (JobId, Name, JobState, ...)."""
        path = self.workdir / "jobcomp.txt"
        if not path.exists():
            return []
        records = []
        for line in path.read_text().splitlines():
            rec = dict(m.groups() for m in re.finditer(r"(\w+)=(\S*)", line))
            if rec:
                records.append(rec)
        return records

    def wait_jobs_done(self, jobids, timeout: float = 120) -> dict[str, str]:
        """Wait until all `jobids` left the pending/running states; return {jobid: state}."""
        jobids = {str(j) for j in jobids}
        active = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
                  "RESIZING", "SIGNALING", "STAGE_OUT"}
        states: dict[str, str] = {}

        def done():
            states.clear()
            states.update({j: s for j, _, s in self.queue() if j in jobids})
            return jobids <= set(states) and not (set(states.values()) & active)

        _wait_for(done, timeout, f"jobs {sorted(jobids)}", poll=0.5,
                  on_fail=lambda: f"; states: {states}")
        return states

    def cancel_all(self, wait: float = 10) -> list[str]:
        """scancel every pending/running job of this (private) cluster; return their ids."""
        live = ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED")
        ids = [j for j, _, s in self.queue() if s in live]
        if ids:
            self.run("scancel", *ids, check=False, timeout=15)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(
                    s in live for j, _, s in self.queue() if j in ids):
                time.sleep(0.5)
        return ids

    def diagnostics(self, tail: int = 40) -> str:
        parts = []
        for name in ("slurmctld", "slurmd"):
            p = self.log_dir / f"{name}.log"
            if p.exists():
                lines = p.read_text(errors="replace").splitlines()[-tail:]
                parts.append(f"--- {p} (last {len(lines)} lines)\n" + "\n".join(lines))
        for name, proc in self.procs.items():
            parts.append(f"{name}: pid {proc.pid}, returncode {proc.poll()}")
        return "\n".join(parts)

    def stop(self, timeout: float = 15) -> None:
        """Cancel remaining jobs, then stop exactly the daemons start_cluster started."""
        if self._stopped:
            return
        self._stopped = True
        ctld = self.procs.get("slurmctld")
        if ctld is not None and ctld.poll() is None:
            try:
                self.cancel_all()
            except (OSError, subprocess.SubprocessError):
                pass
        # stop in reverse start order: slurmd, slurmctld, munged
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is not None:
                continue
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        for proc in self.procs.values():
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()


def write_slurm_conf(workdir: Path, nodename: str, hw: dict[str, str], ctld_port: int,
                     slurmd_port: int) -> Path:
    for sub in ("state", "spool", "log", "run"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    node_hw = " ".join(f"{k}={v}" for k, v in hw.items())
    conf = f"""\
# Generated by tests/slurm_cluster.py: private single-node test cluster
ClusterName=deepmotif-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
SchedulerType=sched/backfill
ReturnToService=2
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc={workdir}/jobcomp.txt
MinJobAge={MIN_JOB_AGE}
DefMemPerCPU=1000
KillWait=5
InactiveLimit=0
MailProg=/bin/true
StateSaveLocation={workdir}/state
SlurmdSpoolDir={workdir}/spool
SlurmctldPidFile={workdir}/run/slurmctld.pid
SlurmdPidFile={workdir}/run/slurmd.pid
SlurmctldLogFile={workdir}/log/slurmctld.log
SlurmdLogFile={workdir}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName={nodename} NodeHostname={nodename} NodeAddr=127.0.0.1 {node_hw} Gres=gpu:1 State=UNKNOWN
PartitionName={PARTITION} Nodes={nodename} Default=YES MaxTime=INFINITE State=UP
"""
    # One GPU bound to a dummy device: Slurm allocates it (sbatch --gpus=1 gets CUDA_VISIBLE_DEVICES=0)
    # but there is no CUDA behind it, as on a node whose driver does not match torch. Slurm 22.05
    # rejects a count-only GRES without File=; gres.conf is read from slurm.conf's folder.
    (workdir / "gres.conf").write_text(f"# Generated by tests/slurm_cluster.py\nName=gpu File={GPU_DEVICE_FILE}\n")
    path = workdir / "slurm.conf"
    path.write_text(conf)
    return path


def write_srun_shim(workdir: Path, conf: Path) -> Path:
    """workdir/bin/srun: the real srun with SLURM_CONF set.

    snakemake-executor-plugin-slurm-jobstep removes every SLURM_* variable except the job's identity
    from the environment of the `srun` it starts inside the batch job, SLURM_CONF included
    (same family as snakemake/snakemake-executor-plugin-slurm#164). Real clusters keep slurm.conf at
    the default path (or run configless slurmd), so srun still finds it; this private cluster's
    config lives in `workdir`, hence the shim. The jobs inherit PATH (sbatch --export=ALL).
    """
    real = _which("srun")
    if real is None:
        raise SlurmUnavailable("srun not found (package slurm-client)")
    bin_dir = workdir / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "srun"
    shim.write_text(f"#!/bin/sh\n# generated by tests/slurm_cluster.py (see write_srun_shim)\n"
                    f"SLURM_CONF='{conf}'\nexport SLURM_CONF\nexec '{real}' \"$@\"\n")
    shim.chmod(0o755)
    return shim


def _start_munged() -> subprocess.Popen:
    import grp
    import pwd

    try:
        pw = pwd.getpwnam("munge")
    except KeyError as exc:
        raise SlurmUnavailable("user 'munge' does not exist (is the munge package installed?)") from exc
    gid = grp.getgrnam("munge").gr_gid if "munge" in {g.gr_name for g in grp.getgrall()} else pw.pw_gid
    key = Path("/etc/munge/munge.key")
    if not key.exists():
        mungekey = _which("mungekey")
        key.parent.mkdir(mode=0o700, exist_ok=True)
        if mungekey:
            subprocess.run([mungekey, "--create", "--keyfile", str(key)], check=True)
        else:
            key.write_bytes(os.urandom(1024))
        os.chown(key.parent, pw.pw_uid, gid)
        os.chown(key, pw.pw_uid, gid)
        key.chmod(0o400)
    for d, mode in (("/run/munge", 0o755), ("/var/log/munge", 0o700), ("/var/lib/munge", 0o711)):
        p = Path(d)
        p.mkdir(parents=True, exist_ok=True)
        os.chown(p, pw.pw_uid, gid)
        p.chmod(mode)
    stale = Path("/run/munge/munge.socket.2")
    if stale.exists():  # nobody answers on it (checked by the caller)
        stale.unlink()
    proc = subprocess.Popen([_which("munged"), "--foreground"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, cwd="/",
                            env={"PATH": os.defpath, "HOME": "/"},
                            preexec_fn=die_with_parent(uid=pw.pw_uid, gid=gid))
    try:
        _wait_for(lambda: proc.poll() is not None or _munge_works(), 20, "munged to answer")
    except RuntimeError:
        proc.kill()
        raise
    if proc.poll() is not None:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(f"munged exited with {proc.returncode}: {err.strip()}")
    return proc


def start_cluster(workdir: str | os.PathLike, timeout: float = 60) -> Cluster:
    """Start munged (if not running), slurmctld and slurmd; return once the node is idle."""
    ok, reason = slurm_installed()
    if not ok:
        raise SlurmUnavailable(reason)
    if os.geteuid() != 0:
        raise SlurmUnavailable("the test Slurm daemons must run as root "
                               "(run pytest as root, e.g. in the CI container, or `sudo -E pytest`)")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    nodename = socket.gethostname().split(".")[0] or "localhost"
    hw = _node_hardware()
    conf = write_slurm_conf(workdir, nodename, hw, _free_port(), _free_port())
    write_srun_shim(workdir, conf)
    cluster = Cluster(workdir=workdir, conf=conf, nodename=nodename, cpus=int(hw["CPUs"]),
                      real_memory_mb=int(hw["RealMemory"]))
    atexit.register(cluster.stop)  # last resort if the caller forgets (or the process is exiting)
    try:
        if not _munge_works():
            cluster.procs["munged"] = _start_munged()
            cluster.started_munged = True
        env = cluster.env
        for name, cmd in (
            ("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(conf)]),
            ("slurmd", [_which("slurmd"), "-D", "-f", str(conf), "-N", nodename]),
        ):
            log = open(workdir / "log" / f"{name}.stderr", "wb")
            cluster.procs[name] = subprocess.Popen(cmd, env=env, stdout=log, stderr=log,
                                                   start_new_session=True, cwd=workdir,
                                                   preexec_fn=die_with_parent())
            log.close()
            if name == "slurmctld":
                _wait_for(lambda: cluster.procs["slurmctld"].poll() is not None
                          or cluster.run("scontrol", "ping", check=False, timeout=10).returncode == 0,
                          timeout, "slurmctld to answer `scontrol ping`",
                          on_fail=lambda: "\n" + cluster.diagnostics())
        for name, proc in cluster.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}\n{cluster.diagnostics()}"
                                   + _stderr_of(workdir, name))

        def idle():
            for name, proc in cluster.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}\n"
                                       f"{cluster.diagnostics()}{_stderr_of(workdir, name)}")
            return cluster.node_state() == "idle"

        _wait_for(idle, timeout, f"node {nodename} to become idle",
                  on_fail=lambda: f" (state {cluster.node_state()!r})\n{cluster.diagnostics()}")
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _stderr_of(workdir: Path, name: str) -> str:
    p = workdir / "log" / f"{name}.stderr"
    return f"\n--- {p}\n{p.read_text(errors='replace')}" if p.exists() else ""


def _sigterm_to_interrupt(signum, frame):
    raise KeyboardInterrupt(f"received signal {signum}")


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


try:
    import pytest
except ImportError:  # the helper is usable without pytest
    pytest = None

if pytest is not None:

    @pytest.fixture(scope="session")
    def slurm_cluster(tmp_path_factory):
        """A running private single-node Slurm; skipped when Slurm is not installed (fails under CI=true)."""
        ok, reason = slurm_installed()
        if ok and os.geteuid() != 0:
            ok, reason = False, "the test Slurm daemons must run as root (`sudo -E pytest -m slurm`)"
        if not ok:
            if _ci():
                pytest.fail(f"CI is set but {reason}", pytrace=False)
            pytest.skip(reason)
        # SIGTERM (CI cancel, `timeout`) -> KeyboardInterrupt, so pytest still runs this teardown
        previous = None
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
            previous = signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
        cluster = start_cluster(tmp_path_factory.mktemp("slurm"))
        try:
            yield cluster
        finally:
            cluster.stop()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # manual smoke test: python tests/slurm_cluster.py [workdir]
    import sys
    import tempfile

    wd = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="slurm-")
    t0 = time.monotonic()
    c = start_cluster(wd)
    print(f"cluster up in {time.monotonic() - t0:.1f}s: SLURM_CONF={c.conf}")
    try:
        jid = c.run("sbatch", "--parsable", "-D", wd, "--wrap", "hostname").stdout.strip()
        print("job", jid, c.wait_jobs_done([jid]))
    finally:
        c.stop()
