"""Command line for admins: ``python -m geo <command>``.

    init [--demo] [--force-demo]
                             create or migrate the database, load the catalogue and districts;
                             --demo also loads the demo data, but never after `demo remove`
                             (it says when that was) and never into a database with accounts
                             of its own (unless --force-demo)
    demo load [--force-demo] | remove
                             load or remove the demo walks and accounts (everything marked as
                             demo); `demo load` brings back a removed demo
    preflight                a production start (TRYGG_ENV=production, or a DATABASE_URL) is
                             refused with demo accounts, a weak cookie_secret, or plain HTTP on
                             the network: exit 1 with each problem named (scripts/run-app.sh)
    import FILE [--layer L]  import observations (.geojson/.json, .csv, .gpkg); all or nothing
    export FILE [--district ID] [--walk SLUG] [--bbox W,S,E,N]
                             export observations; the format follows the suffix
    user add NAME --role planner|admin [--display-name N] [--email E] [--no-password]
                             add a user; the password is asked for (or read from stdin
                             with --password-stdin); the first admin is made this way
    user list | disable NAME | enable NAME | password NAME
    purge --before DATE      remove photos and names older than DATE (YYYY-MM-DD), keeping
                             each observation's place, category and status; also forget
                             sessions that ended and failed sign-ins counted before DATE
    backup FILE [--overwrite]
                             write a consistent copy of the whole database, photos
                             included, to FILE (a SQLite file); either backend
    restore FILE [--replace] put a backup (or any SQLite database of this app) into the
                             database, all or nothing; --replace when it holds data
                             (SQLite to PostgreSQL: DATABASE_URL=postgresql://…
                             python -m geo restore var/trygghetskartan.db)
    info                     where the database is and what it holds
    check                    check the stored data: the database's own checks, every row's
                             history, dangling links, id sequences (exit 1 when not all well)

``DATABASE_URL`` selects the database (default: the SQLite file var/trygghetskartan.db);
``TRYGG_LANG=en`` prints messages in English.  Exit code 0 on success, 1 when the input is
refused (the message says what and where), 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date, datetime, time

from sqlalchemy.exc import SQLAlchemyError

from . import demo, production
from .auth import hash_password
from .errors import Refused
from .i18n import STOCKHOLM, default_language, t
from .model import SYSTEM
from .store import Invalid, Store, database_url, open_store, shown_url
from .store import backup as geo_backup


def _store(migrate: bool = False) -> Store:
    return open_store(migrate="always" if migrate else "missing")


def main(argv: list[str] | None = None) -> int:
    lang = default_language()
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_init = sub.add_parser("init", help="create or migrate the database")
    p_init.add_argument("--demo", action="store_true",
                        help="also load the demo data (not after `demo remove`)")
    p_init.add_argument("--force-demo", action="store_true",
                        help="load the demo data even into a database with accounts of its own")
    p_demo = sub.add_parser("demo", help="load or remove the demo data")
    p_demo.add_argument("action", choices=["load", "remove"])
    p_demo.add_argument("--force-demo", action="store_true",
                        help="load the demo data even into a database with accounts of its own")
    p_imp = sub.add_parser("import", help="import observations from FILE")
    p_imp.add_argument("file")
    p_imp.add_argument("--layer", help="the GeoPackage layer to import (needed when the file has several)")
    p_exp = sub.add_parser("export", help="export observations to FILE")
    p_exp.add_argument("file")
    p_exp.add_argument("--district", help="district id, e.g. andersberg (its parts included)")
    p_exp.add_argument("--walk", help="walk slug, e.g. andersberg-2019-10-15")
    p_exp.add_argument("--bbox", type=_bbox, metavar="W,S,E,N",
                       help="only what lies in this box (WGS84 degrees), e.g. 12.89,56.65,12.91,56.67")
    p_user = sub.add_parser("user", help="manage users")
    user_sub = p_user.add_subparsers(dest="user_command", required=True)
    p_add = user_sub.add_parser("add", help="add a user")
    p_add.add_argument("username")
    p_add.add_argument("--role", choices=["planner", "admin"], required=True)
    p_add.add_argument("--display-name", default="")
    p_add.add_argument("--email", help="for sign-in through the identity provider (st.login)")
    p_add.add_argument("--no-password", action="store_true",
                       help="only sign-in through the identity provider")
    p_add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user_sub.add_parser("list", help="list users")
    for name in ("disable", "enable", "password"):
        p = user_sub.add_parser(name)
        p.add_argument("username")
        if name == "password":
            p.add_argument("--password-stdin", action="store_true")
    p_purge = sub.add_parser("purge", help="remove photos and names older than a date")
    p_purge.add_argument("--before", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    p_backup = sub.add_parser("backup", help="write the whole database to FILE")
    p_backup.add_argument("file")
    p_backup.add_argument("--overwrite", action="store_true", help="replace an existing FILE")
    p_restore = sub.add_parser("restore", help="put the backup FILE into the database")
    p_restore.add_argument("file")
    p_restore.add_argument("--replace", action="store_true",
                           help="delete what the database holds first")
    sub.add_parser("info", help="where the database is and what it holds")
    sub.add_parser("check", help="check the stored data (integrity, history, links)")
    p_pre = sub.add_parser("preflight", help="refuse an unsafe production start")
    p_pre.add_argument("--address", default=os.environ.get("ADDRESS") or production.DEFAULT_ADDRESS,
                       help="the address the app will listen on (default: $ADDRESS or 127.0.0.1)")
    args = parser.parse_args(argv)

    try:
        if args.command == "init":
            store = _store(migrate=True)
            print(t("cli.migrated", lang, url=shown_url(store.url), revision=store.revision()))
            if args.demo or args.force_demo:
                _load_demo(store, lang, explicit=False, force=args.force_demo)
        elif args.command == "demo":
            store = _store()
            if args.action == "load":
                _load_demo(store, lang, explicit=True, force=args.force_demo)
            else:
                c = demo.remove(store, SYSTEM)
                print(t("cli.demo_removed", lang, walks=c["walk"], observations=c["observation"],
                        measures=c["measure"]))
                if c["walk_kept"]:
                    print(t("cli.demo_walks_kept", lang, n=c["walk_kept"]))
        elif args.command == "import":
            from . import io as geo_io  # pandas and geopandas only for the commands that read files

            store = _store()
            result = geo_io.import_file(store, args.file, actor=SYSTEM, layer=args.layer)
            print(t("cli.imported", lang, added=result.added, skipped=result.skipped, file=args.file))
        elif args.command == "export":
            from . import io as geo_io

            store = _store()
            n = geo_io.export_file(store, args.file, district=args.district, walk=args.walk,
                                   bbox=args.bbox)
            print(t("cli.exported", lang, n=n, file=args.file))
        elif args.command == "user":
            _user_command(_store(), args, lang)
        elif args.command == "purge":
            before = datetime.combine(args.before, time(0), STOCKHOLM)
            store = _store()
            c = store.purge_personal(SYSTEM, before)
            print(t("cli.purged", lang, before=args.before, photos=c["photo"],
                    observations=c["observation"], participants=c["participant"],
                    history=c["status_change"]))
            # ended sessions and failed sign-in counts (they name source addresses) go too
            print(t("cli.purged_sessions", lang, sessions=store.forget_old_sessions(before),
                    attempts=store.forget_old_attempts(before)))
        elif args.command in ("backup", "restore"):
            store = Store()  # as it is: a backup never changes it, a restore migrates it
            try:
                if args.command == "backup":
                    written = geo_backup.backup(store, args.file, overwrite=args.overwrite)
                    print(t("cli.backup_done", lang, file=args.file, **written.shown()))
                else:
                    restored = geo_backup.restore(store, args.file, replace=args.replace)
                    print(t("cli.restored", lang, file=args.file, **restored.shown()))
            finally:
                store.dispose()
        elif args.command == "check":
            problems = Store().integrity_problems()
            for problem in problems:
                print(problem, file=sys.stderr)
            print(t("cli.check_failed" if problems else "cli.check_ok", lang, n=len(problems)))
            return 1 if problems else 0
        elif args.command == "preflight":
            return _preflight(args.address, lang)
        elif args.command == "info":
            store = _store()
            print(shown_url(store.url), store.revision())
            for table, n in store.counts().items():
                print(f"  {table:22} {n}")
    except Refused as e:  # the store's, an import's or export's, a role check's: in words
        print(t("cli.error", lang, message=e.message(lang)), file=sys.stderr)
        return 1
    except SQLAlchemyError as e:
        detail = str(getattr(e, "orig", e)).splitlines()[0]
        print(t("cli.db_error", lang, url=shown_url(database_url()), detail=detail),
              file=sys.stderr)
        return 1
    return 0


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        if len(parts) == 4:
            west, south, east, north = (float(p) for p in parts)
            return west, south, east, north
    except ValueError:
        pass
    raise argparse.ArgumentTypeError("W,S,E,N: four numbers separated by commas")


def _password(from_stdin: bool, lang: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(t("cli.password", lang))
    if getpass.getpass(t("cli.password_again", lang)) != first:
        raise Invalid({"password": "cli.password_mismatch"})
    return first


def _user_command(store: Store, args: argparse.Namespace, lang: str) -> None:
    if args.user_command == "add":
        pw_hash = None if args.no_password else hash_password(_password(args.password_stdin, lang))
        u = store.add_user(SYSTEM, username=args.username, role=args.role,
                           display_name=args.display_name, email=args.email, password_hash=pw_hash)
        print(t("cli.user_added", lang, username=u.username, role=u.role))
    elif args.user_command == "list":
        for u in store.users(SYSTEM):
            flags = ", ".join(f for f, on in (("disabled", u.disabled), ("demo", u.is_demo)) if on)
            print(f"{u.username:24} {u.role:8} {u.email or '':30} {flags}")
    elif args.user_command in ("disable", "enable"):
        u = store.set_user_disabled(SYSTEM, args.username, args.user_command == "disable")
        print(t("cli.user_disabled" if u.disabled else "cli.user_enabled", lang, username=u.username))
    elif args.user_command == "password":
        store.set_password_hash(SYSTEM, args.username, hash_password(_password(args.password_stdin, lang)))
        print(t("cli.password_set", lang, username=args.username))


def _load_demo(store: Store, lang: str, *, explicit: bool, force: bool) -> None:
    key, values = demo.load_by_choice(store, explicit=explicit, force=force)
    print(t(key, lang, **values))


def _preflight(address: str, lang: str) -> int:
    """Exit 1 with every problem named when a production start is not safe; 0 otherwise."""
    if not production.is_production():
        print(t("cli.preflight_not_production", lang))
        return 0
    tls = bool(os.environ.get("SSL_CERT") and os.environ.get("SSL_KEY"))
    problems = production.problems(_store(), auth=production.read_auth(), address=address, tls=tls,
                                   public_url=os.environ.get("PUBLIC_URL", ""))
    for problem in problems:
        print(t("cli.preflight_problem", lang, message=problem.message(lang)), file=sys.stderr)
    print(t("cli.preflight_failed" if problems else "cli.preflight_ok", lang, n=len(problems)),
          file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
