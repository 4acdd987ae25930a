"""The architecture's rules, checked by parsing imports (the design card's rules 1, 2 and 9)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_geo_never_imports_streamlit():
    offenders = [p.name for p in (ROOT / "geo").rglob("*.py") if "streamlit" in imports(p)
                 or "streamlit_folium" in imports(p)]
    assert offenders == []


def test_only_the_store_talks_to_the_database():
    db = {"sqlalchemy", "sqlite3", "psycopg", "psycopg2", "alembic"}
    # the store is a package (geo/store/), its backup module included
    allowed = (set((ROOT / "geo" / "store").rglob("*.py"))
               | set((ROOT / "geo" / "migrations").rglob("*.py")))
    offenders = [str(p.relative_to(ROOT)) for folder in ("geo", "pages", "ui", "app.py", "main.py")
                 for p in ((ROOT / folder).rglob("*.py") if (ROOT / folder).is_dir() else [ROOT / folder])
                 if p not in allowed and imports(p) & db]
    # the command line catches SQLAlchemy's errors to print a clear message, nothing more
    assert offenders == ["geo/__main__.py"]


def test_pages_are_thin():
    for p in (ROOT / "pages").glob("*.py"):
        assert len(p.read_text(encoding="utf-8").splitlines()) < 200, p.name
