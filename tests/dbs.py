"""Fresh, migrated test databases on SQLite and PostgreSQL, and a PostgreSQL server of a test's own.

PostgreSQL comes from TEST_DATABASE_URL (an account that may CREATE DATABASE; .ci/run sets it). Without it
the PostgreSQL half skips with the reason, except under CI=true, where a skip would hide a failure.
The outage tests stop and start a server, so they run one of their own (``PrivateCluster``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from app.db.migrate import upgrade

ENGINES = ("sqlite", "postgresql")


def postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test PostgreSQL: TEST_DATABASE_URL is not set (see .ci/run)")
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL=postgresql+psycopg://user:pw@127.0.0.1/postgres")
    return url


@contextmanager
def fresh_database(kind: str, folder: Path, migrate: bool = True) -> Iterator[str]:
    """A new empty database of ``kind``, migrated to head unless told otherwise; dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'test-{uuid.uuid4().hex[:8]}.db'}"
        if migrate:
            upgrade(url)
        yield url
        return
    admin = postgres_admin_url()
    name = f"shouhou_test_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


class PrivateCluster:
    """A PostgreSQL server of the test's own, to stop and start at will (the outage tests) without touching
    the shared one on port 5432 that the rest of the suite, and other people, use.

    ``initdb`` and ``pg_ctl`` from Debian's packages (.ci/run installs them); both refuse to run as root, so
    under root (CI) they run as the ``postgres`` account the package creates. No fsync: nothing here must
    survive a crash of the machine, and it makes start-up and every commit faster.
    """

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if not found:
            if os.environ.get("CI") == "true":
                pytest.fail("CI must test a PostgreSQL outage: no /usr/lib/postgresql/*/bin/pg_ctl (see .ci/run)")
            pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.user = "postgres" if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="shouhou-pg-"))  # not pytest's tmp_path: postgres must enter it
        if self.user is not None:
            account = pwd.getpwnam(self.user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.data = self.folder / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        self.running = False

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``fast``: in-flight transactions are rolled back and every connection is cut, as in a restart."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def close(self) -> None:
        subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            user=self.user,
            cwd=self.folder,
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin / tool), *args], user=self.user, cwd=self.folder, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
