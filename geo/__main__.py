"""Command line for admins: ``python -m geo <command>``.

    init [--demo]            create or migrate the database, load the catalogue and districts
    demo load | remove       load or remove the demo walks (everything marked as demo)
    import FILE              import observations (.geojson/.json, .csv, .gpkg); all or nothing
    export FILE [--district ID] [--walk SLUG]
                             export observations; the format follows the suffix
    info                     where the database is and what it holds

``DATABASE_URL`` selects the database (default: the SQLite file var/trygghetskartan.db);
``TRYGG_LANG=en`` prints messages in English.  Exit code 0 on success, 1 when the input is
refused (the message says what and where), 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from . import catalog, demo, districts
from . import io as geo_io
from .i18n import default_language, t
from .store import Store, StoreError, database_url


def _store(migrate: bool = False) -> Store:
    store = Store()
    if migrate or store.revision() is None:
        store.migrate()
        store.sync_catalog(catalog.load(), districts.load())
    return store


def main(argv: list[str] | None = None) -> int:
    lang = default_language()
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_init = sub.add_parser("init", help="create or migrate the database")
    p_init.add_argument("--demo", action="store_true", help="also load the demo data")
    p_demo = sub.add_parser("demo", help="load or remove the demo data")
    p_demo.add_argument("action", choices=["load", "remove"])
    p_imp = sub.add_parser("import", help="import observations from FILE")
    p_imp.add_argument("file")
    p_exp = sub.add_parser("export", help="export observations to FILE")
    p_exp.add_argument("file")
    p_exp.add_argument("--district", help="district id, e.g. andersberg (its parts included)")
    p_exp.add_argument("--walk", help="walk slug, e.g. andersberg-2019-10-15")
    sub.add_parser("info", help="where the database is and what it holds")
    args = parser.parse_args(argv)

    try:
        if args.command == "init":
            store = _store(migrate=True)
            print(t("cli.migrated", lang, url=_safe_url(store.url), revision=store.revision()))
            if args.demo:
                _load_demo(store, lang)
        elif args.command == "demo":
            store = _store()
            if args.action == "load":
                _load_demo(store, lang)
            else:
                c = store.remove_demo()
                print(t("cli.demo_removed", lang, walks=c["walk"], observations=c["observation"],
                        measures=c["measure"]))
        elif args.command == "import":
            store = _store()
            result = geo_io.import_file(store, args.file, actor="cli")
            print(t("cli.imported", lang, added=result.added, skipped=result.skipped, file=args.file))
        elif args.command == "export":
            store = _store()
            n = geo_io.export_file(store, args.file, district=args.district, walk=args.walk)
            print(t("cli.exported", lang, n=n, file=args.file))
        elif args.command == "info":
            store = _store()
            print(_safe_url(store.url), store.revision())
            for table, n in store.counts().items():
                print(f"  {table:22} {n}")
    except (geo_io.ImportRefused, geo_io.ExportRefused) as e:
        print(t("cli.error", lang, message=e.message(lang)), file=sys.stderr)
        return 1
    except StoreError as e:
        print(t("cli.error", lang, message=t(e.key, lang, **e.values)), file=sys.stderr)
        return 1
    except SQLAlchemyError as e:
        detail = str(getattr(e, "orig", e)).splitlines()[0]
        print(t("cli.db_error", lang, url=_safe_url(database_url()), detail=detail),
              file=sys.stderr)
        return 1
    return 0


def _load_demo(store: Store, lang: str) -> None:
    counts = demo.load(store)
    print(t("cli.demo_loaded", lang, **counts) if counts else t("cli.demo_present", lang))


def _safe_url(url: str) -> str:
    """The URL without a password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
