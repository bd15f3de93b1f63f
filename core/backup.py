"""Backups as one file, and their restore (`manage.py backup --output PATH`, `manage.py restore PATH`).

A backup is an uncompressed tar, mode 0600, holding:
- `database.pgdump` (PostgreSQL: `pg_dump --format=custom`, by a client at least the server's major version) or
  `database.sqlite3` (SQLite: the online backup API, consistent while the site runs);
- `media/…`: the files under MEDIA_ROOT, except survey slips and code lists (they hold the anonymous codes, which
  are never kept, see docs/anonymity.md) and the import stash (files waiting for a confirmation);
- `manifest.json`: the sha256 and size of every other member, the applied migration heads per app, the database
  vendor, created_at and the app version.

`restore_backup` refuses (BackupError, a Chinese + English message) before it writes anything when a member's
checksum fails or a member is missing or unlisted, when the backup's migration heads are unknown to this code (a
backup newer than the code), when the vendor differs, or when the target database has any table. It then writes
the media files, restores the database and runs `migrate`. Restoring into an empty database needs no DELETE or
TRUNCATE, which the audit table refuses.
"""
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "gradingsite-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
MEDIA_PREFIX = "media/"
# Media never backed up: slips and code lists (anonymity), the import stash (transient).
EXCLUDED_MEDIA_DIRS = frozenset({"slips", "imports"})
EXCLUDED_MEDIA_NAME = re.compile(r"(slips|tokens|测评票|测评码)", re.IGNORECASE)
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator."""


@dataclass(frozen=True)
class Summary:
    path: Path
    vendor: str
    media_files: int
    size: int
    heads: dict


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def app_version() -> str:
    try:
        return metadata.version("gradingsite")
    except metadata.PackageNotFoundError:
        return "unknown"


def excluded_media(relative: PurePosixPath) -> bool:
    return relative.parts[0] in EXCLUDED_MEDIA_DIRS or bool(EXCLUDED_MEDIA_NAME.search(relative.name))


def media_files(root: Path, skip: Path | None = None) -> list[tuple[str, Path]]:
    """(member name, path) of every media file that is backed up, in a stable order."""
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or (skip is not None and path.resolve() == skip.resolve()):
            continue
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if not excluded_media(relative):
            found.append((MEDIA_PREFIX + str(relative), path))
    return found


def migration_heads(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Per app, the applied migrations no other applied migration of this code follows."""
    connection = connections[alias]
    applied = set(MigrationRecorder(connection).applied_migrations())
    graph = MigrationLoader(connection, ignore_no_migrations=True).graph
    heads: dict[str, list[str]] = {}
    for key in sorted(applied):
        node = graph.node_map.get(key)
        later = {c.key for c in node.children if c.key[0] == key[0]} if node else set()
        if not (later & applied):
            heads.setdefault(key[0], []).append(key[1])
    return heads


# PostgreSQL ------------------------------------------------------------------------------------------------------

def _pg_env(settings_dict: dict) -> dict:
    """libpq's variables for the client tools: the password never appears on a command line."""
    env = {**os.environ}
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"),
                     ("PGDATABASE", "NAME")):
        value = settings_dict.get(key)
        if value:
            env[var] = str(value)
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _client_major(tool: str) -> int:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"找不到 {tool}，请安装 postgresql-client / {tool} not found: install postgresql-client")
    out = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise BackupError(f"无法识别 {tool} 的版本 / cannot read the version of {tool}: {out.strip()}")
    return int(match.group(1))


def _check_client(tool: str, connection) -> str:
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    client_major = _client_major(tool)
    if client_major < server_major:
        raise BackupError(f"{tool} 版本 {client_major} 低于数据库服务器版本 {server_major}，请安装新版 postgresql-client / "
                          f"{tool} {client_major} is older than the server ({server_major})")
    return shutil.which(tool)


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        error = " ".join(result.stderr.split())[:500]
        raise BackupError(f"{what}失败 / {what} failed: {error}")


def _dump_postgresql(connection, dest: Path) -> None:
    pg_dump = _check_client("pg_dump", connection)
    _run([pg_dump, "--format=custom", "--file", str(dest)], _pg_env(connection.settings_dict), "pg_dump ")


def _restore_postgresql(connection, source: Path) -> None:
    pg_restore = _check_client("pg_restore", connection)
    # Objects belong to the role restoring (the owner role); the app role's grants are given again afterwards
    # (docs/deployment.md), so a backup restores on a server whose role names differ.
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--dbname", connection.settings_dict["NAME"], str(source)],
         _pg_env(connection.settings_dict), "pg_restore ")


# SQLite ----------------------------------------------------------------------------------------------------------

def _dump_sqlite(connection, dest: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _restore_sqlite(connection, source: Path) -> None:
    connection.ensure_connection()
    origin = sqlite3.connect(source)
    try:
        origin.backup(connection.connection)
    finally:
        origin.close()


DUMPERS = {"postgresql": _dump_postgresql, "sqlite": _dump_sqlite}
RESTORERS = {"postgresql": _restore_postgresql, "sqlite": _restore_sqlite}


def _vendor(connection) -> str:
    if connection.vendor not in DUMPERS:
        raise BackupError(f"不支持的数据库 / unsupported database: {connection.vendor}")
    return connection.vendor


# Backup ----------------------------------------------------------------------------------------------------------

def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> None:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with open(path, "rb") as handle:
        archive.addfile(info, handle)


def create_backup(output: Path, *, alias: str = DEFAULT_DB_ALIAS) -> Summary:
    """Write the backup to `output` (mode 0600; written under a temporary name, renamed when complete)."""
    output = Path(output).absolute()
    if output.exists():
        raise BackupError(f"目标文件已存在，不覆盖 / {output} exists, not overwritten")
    if not output.parent.is_dir():
        raise BackupError(f"目录不存在 / no such directory: {output.parent}")
    connection = connections[alias]
    vendor = _vendor(connection)
    dump_name = DUMP_NAMES[vendor]
    media = media_files(Path(settings.MEDIA_ROOT), skip=output)
    with tempfile.TemporaryDirectory(prefix="gs-backup-") as work:
        dump = Path(work) / dump_name
        heads = migration_heads(alias)
        DUMPERS[vendor](connection, dump)
        members = [(dump_name, dump), *media]
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "app_version": app_version(),
            "database": {"vendor": vendor, "file": dump_name},
            "migration_heads": heads,
            "members": {name: {"sha256": _sha256_file(path), "size": path.stat().st_size} for name, path in members},
        }
        partial = output.with_name(f".{output.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
                body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(body), 0o600
                info.mtime = int(datetime.now(UTC).timestamp())
                tar.addfile(info, io.BytesIO(body))
                for name, path in members:
                    _add_file(tar, name, path)
            os.chmod(partial, 0o600)
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return Summary(output, vendor, len(media), output.stat().st_size, heads)


# Restore ---------------------------------------------------------------------------------------------------------

def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        handle = archive.extractfile(MANIFEST)
        manifest = json.load(handle) if handle else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("不是本系统的备份文件（缺少或无法读取 manifest.json） / not a gradingsite backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持 / unsupported backup format")
    return manifest


def _member_sha256(archive: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    digest = hashlib.sha256()
    with archive.extractfile(member) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _expected_member(name: str, member: tarfile.TarInfo, listed: dict) -> bool:
    return name in listed and _safe_member_name(name) and member.isfile()


def _check_member_names(present: dict, listed: dict) -> None:
    unlisted = [name for name, m in present.items() if not _expected_member(name, m, listed)]
    if unlisted:
        raise BackupError(f"备份文件含有清单之外的内容“{unlisted[0]}”，已拒绝恢复 / unlisted member {unlisted[0]}: refused")
    missing = [name for name in listed if name not in present]
    if missing:
        raise BackupError(f"备份文件缺少“{missing[0]}”，已拒绝恢复 / member {missing[0]} missing: refused")


def verify_members(archive: tarfile.TarFile, manifest: dict) -> None:
    """Every listed member is present with its sha256, and nothing else is in the file."""
    listed = manifest.get("members") or {}
    present = {m.name: m for m in archive.getmembers() if m.name != MANIFEST}
    _check_member_names(present, listed)
    for name, expected in listed.items():
        if _member_sha256(archive, present[name]) != expected.get("sha256"):
            raise BackupError(f"备份文件校验失败：“{name}”的校验和不符，文件可能已损坏或被篡改，已拒绝恢复 / "
                              f"checksum mismatch for {name}: refused")


def check_heads_known(manifest: dict, alias: str = DEFAULT_DB_ALIAS) -> None:
    graph = MigrationLoader(connections[alias], ignore_no_migrations=True).graph
    unknown = [f"{app}.{name}" for app, names in sorted((manifest.get("migration_heads") or {}).items())
               for name in names if (app, name) not in graph.nodes]
    if unknown:
        raise BackupError(f"备份来自比当前程序更新的版本（未知迁移：{', '.join(unknown)}），请先升级程序再恢复 / "
                          f"backup is newer than this code (unknown migrations {', '.join(unknown)}): refused")


def check_target_empty(alias: str = DEFAULT_DB_ALIAS) -> None:
    tables = connections[alias].introspection.table_names()
    if tables:
        raise BackupError(f"目标数据库不是空库（已有 {len(tables)} 张表），只能恢复到新建的空数据库 / "
                          f"target database is not empty ({len(tables)} tables): restore only into an empty database")


def restore_backup(path: Path, *, alias: str = DEFAULT_DB_ALIAS, migrate: bool = True) -> dict:
    """Check the backup and the target, then restore the media files and the database and migrate. Returns the
    manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 / no such file: {path}")
    connection = connections[alias]
    vendor = _vendor(connection)
    try:
        archive = tarfile.open(path, mode="r:")
    except tarfile.TarError as exc:
        raise BackupError(f"无法读取备份文件 / unreadable backup: {exc}")
    with archive:
        manifest = read_manifest(archive)
        verify_members(archive, manifest)
        check_heads_known(manifest, alias)
        database = manifest.get("database") or {}
        if database.get("vendor") != vendor or database.get("file") not in manifest["members"]:
            raise BackupError(f"备份的数据库类型（{database.get('vendor')}）与目标（{vendor}）不同 / "
                              f"backup of {database.get('vendor')} cannot be restored into {vendor}")
        check_target_empty(alias)
        media_root = Path(settings.MEDIA_ROOT)
        with tempfile.TemporaryDirectory(prefix="gs-restore-") as work:
            dump = Path(work) / DUMP_NAMES[vendor]
            with archive.extractfile(database["file"]) as src, open(dump, "wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
            for name in manifest["members"]:
                if not name.startswith(MEDIA_PREFIX):
                    continue
                target = media_root / name[len(MEDIA_PREFIX):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(name) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
            RESTORERS[vendor](connection, dump)
    connection.close()
    if migrate:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
    return manifest
