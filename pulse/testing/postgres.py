"""A throwaway PostgreSQL server for tests and benchmarks.

    with throwaway_postgres() as pg:
        psycopg2.connect(pg.dsn)
        subprocess.run([...], env={**os.environ, **pg.env()})

Runs Debian's `postgresql` binaries (initdb, pg_ctl) from PATH or /usr/lib/postgresql/<version>/bin on 127.0.0.1
and a free port, with its data directory and unix socket in a temporary directory that is removed on exit, even
on error. Tuned for speed, not durability (fsync off). Postgres refuses to run as root: as root the server runs
as the `postgres` system user (through `runuser`, or `su` when runuser is missing).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pulse.testing.servers import free_port

INSTALL_HINT = (
    "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin; "
    "install Debian's `postgresql` package (apt-get install postgresql)"
)


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries are missing or the server could not start; the message says why."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    data_dir: Path

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} password={self.password} dbname={self.dbname}"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    def env(self) -> dict[str, str]:
        """The PULSE_PG_* variables the dbt profile and `pulse.yml` (env:...) read."""
        return {
            "PULSE_PG_HOST": self.host,
            "PULSE_PG_PORT": str(self.port),
            "PULSE_PG_USER": self.user,
            "PULSE_PG_PASSWORD": self.password,
            "PULSE_PG_DBNAME": self.dbname,
        }

    def connect(self, dbname: str | None = None, autocommit: bool = True):
        import psycopg2

        con = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
        )
        con.autocommit = autocommit
        return con

    def create_database(self, name: str) -> PostgresServer:
        """A fresh, empty database on the same server (dropped first if it exists)."""
        con = self.connect("postgres")
        try:
            with con.cursor() as cur:
                cur.execute(f'drop database if exists "{name}"')
                cur.execute(f'create database "{name}"')
        finally:
            con.close()
        return PostgresServer(self.host, self.port, self.user, self.password, name, self.data_dir)


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/<v>/bin."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()]
    if not candidates:
        raise PostgresUnavailable(INSTALL_HINT)

    def version(p: Path) -> tuple[int, ...]:
        v = p.parent.name
        return tuple(int(x) for x in v.split(".") if x.isdigit())

    return max(candidates, key=version)


class _Runner:
    """Runs the server binaries as the current user, or as `postgres` when we are root."""

    def __init__(self) -> None:
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.uid = self.gid = None
        if self.as_root:
            import pwd

            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root but there is no `postgres` system user to run the server as; install "
                    "Debian's `postgresql` package (it creates the user) or run the tests as a normal user"
                ) from None
            self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self.runuser = shutil.which("runuser")
        self.su = shutil.which("su")
        if self.as_root and not (self.runuser or self.su):
            raise PostgresUnavailable(
                "running as root and neither `runuser` nor `su` is available to drop to postgres"
            )

    def chown(self, path: Path) -> None:
        if self.as_root:
            os.chown(path, self.uid, self.gid)

    def argv(self, cmd: list[str]) -> list[str]:
        if not self.as_root:
            return cmd
        if self.runuser:
            return [self.runuser, "-u", "postgres", "--", *cmd]
        import shlex

        return [self.su, "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]

    def run(self, cmd: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        proc = subprocess.run(
            self.argv(cmd),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=tempfile.gettempdir(),
        )
        return proc


def _initdb(runner: _Runner, bindir: Path, data: Path, user: str, pwfile: Path) -> None:
    base = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        user,
        f"--pwfile={pwfile}",
        "-E",
        "UTF8",
        "--auth-local=trust",
        "--auth-host=md5",
        "--no-sync",
        "--no-instructions",
    ]
    errors = []
    # C.UTF-8 makes lower()/upper() Unicode-aware like DuckDB's; plain C is the fallback.
    for locale in (["--locale=C.UTF-8", "--lc-collate=C"], ["--locale=C"]):
        proc = runner.run([*base, *locale])
        if proc.returncode == 0:
            return
        errors.append(proc.stderr.strip() or proc.stdout.strip())
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(mode=0o700)
        runner.chown(data)
    raise PostgresUnavailable(f"initdb failed in {data}: {errors[-1][-2000:]}")


def _start(runner: _Runner, bindir: Path, data: Path, sockets: Path, log: Path) -> int:
    last = ""
    for _ in range(5):  # another process may take the free port between our probe and the bind
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 "
            "-c shared_buffers=64MB -c timezone=UTC -c log_min_messages=warning"
        )
        proc = runner.run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            timeout=90,
        )
        if proc.returncode == 0:
            return port
        try:
            last = log.read_text(errors="replace")[-2000:]
        except OSError:
            last = proc.stderr[-2000:]
        if "could not bind" not in last and "already in use" not in last:
            break
    raise PostgresUnavailable(f"pg_ctl start failed: {last.strip()}")


def _stop(runner: _Runner, bindir: Path, data: Path) -> None:
    try:
        proc = runner.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"], 45
        )
        if proc.returncode == 0:
            return
    except subprocess.TimeoutExpired:
        pass
    pidfile = data / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass


def _create_database(server: PostgresServer, dbname: str) -> None:
    import psycopg2

    deadline = time.monotonic() + 30
    while True:
        try:
            con = server.connect("postgres")
            break
        except psycopg2.OperationalError as e:  # not accepting connections yet
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"server on port {server.port} does not accept connections: {e}"
                ) from e
            time.sleep(0.1)
    try:
        with con.cursor() as cur:
            cur.execute(f'create database "{dbname}"')
    finally:
        con.close()


@contextmanager
def throwaway_postgres(
    dbname: str = "pulse", user: str = "pulse", password: str = "pulse-test"
) -> Iterator[PostgresServer]:
    """Start a private PostgreSQL server with database `dbname`; stop it and delete its files on exit."""
    bindir = find_bindir()
    runner = _Runner()
    tmp = Path(tempfile.mkdtemp(prefix="pulse-pg-"))
    started = False
    try:
        os.chmod(tmp, 0o700)
        runner.chown(tmp)
        data = tmp / "data"
        data.mkdir(mode=0o700)
        runner.chown(data)
        pwfile = tmp / "pwfile"
        pwfile.write_text(password + "\n")
        os.chmod(pwfile, 0o600)
        runner.chown(pwfile)
        _initdb(runner, bindir, data, user, pwfile)
        pwfile.unlink()
        log = tmp / "server.log"
        log.touch()
        runner.chown(log)
        started = True  # pg_ctl may have started the postmaster even when it reports failure
        port = _start(runner, bindir, data, tmp, log)
        server = PostgresServer("127.0.0.1", port, user, password, dbname, data)
        _create_database(server, dbname)
        yield server
    finally:
        if started:
            _stop(runner, bindir, tmp / "data")
        shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["PostgresServer", "PostgresUnavailable", "find_bindir", "throwaway_postgres"]
