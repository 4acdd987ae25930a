"""The promise catalogue holds every promise and activity of the seeds, as signed."""

import re
from pathlib import Path

import pytest

from geo import catalog

DATA = Path(__file__).resolve().parents[2] / "data"
ID = re.compile(r"^[a-z]+-\d{4}\.\d+\.\d+$")


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.fixture(scope="module")
def cat():
    return catalog.load()


def test_every_medborgarlofte_of_the_seeds(cat):
    assert {m.id for m in cat.medborgarloften} == {
        "halmstad-2017", "halmstad-2019", "hallstahammar-2019", "almhult-2018", "hallsberg-2019"}
    counts = {m.id: [len(p.activities) for p in m.promises] for m in cat.medborgarloften}
    assert counts["halmstad-2019"] == [7]
    assert counts["hallstahammar-2019"] == [3, 3, 2]
    assert counts["almhult-2018"] == [4]
    assert counts["hallsberg-2019"] == [1, 1, 1]
    hb = next(m for m in cat.medborgarloften if m.id == "hallsberg-2019")
    assert (str(hb.period_start), str(hb.period_end)) == ("2019-11-28", "2021-05-31")


def test_activity_ids_are_stable_and_unique(cat):
    ids = [a.id for a in cat.activities()]
    assert len(ids) == len(set(ids))
    assert all(ID.match(i) for i in ids), ids
    assert cat.activity("halmstad-2019.1.6").text.startswith("Trygghetsvandringar på prioriterade platser")
    assert cat.activity("halmstad-2019.1.4").text.startswith("Åtgärder i den fysiska trafikmiljön")


def test_activity_texts_are_the_signed_texts(cat):
    fixes = {"genomfora": "genomföra", "kommunr": "kommun", "med=syfte": "med syfte",
             "eh del": "en del", "linje-verksamhet": "linjeverksamhet", "medborgalöftet": "medborgarlöftet"}
    for ml in cat.medborgarloften:
        seed = norm((DATA / ml.source).read_text(encoding="utf-8"))
        for wrong, right in fixes.items():
            seed = seed.replace(wrong, right)
        for a in ml.activities():
            if ml.id == "halmstad-2017":
                continue  # derived from the notice's wording, see data/catalog/README.md
            head = norm(a.text)[:60]
            assert head in seed, f"{a.id}: {head!r} is not in {ml.source}"


def test_categories_and_measure_types(cat):
    ids = [c.id for c in cat.categories]
    for needed in ("belysning", "vegetation", "overblick", "nedskrapning", "klotter", "trafik",
                   "gangcykel", "passage", "folkliv", "byggnad", "trygg_plats"):
        assert needed in ids
    assert [c.id for c in cat.categories if c.positive] == ["trygg_plats"]
    assert {m.id for m in cat.measure_types} >= {"belysning_ny", "vegetation", "kamera", "trafik",
                                                  "stadning", "skyltning", "ovrigt"}
    for c in (*cat.categories, *cat.measure_types):
        assert c.sv and c.en and re.fullmatch(r"#[0-9A-Fa-f]{6}", c.colour) and c.icon
