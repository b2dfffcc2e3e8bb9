"""The auditor's page in the browser: a dataset's contribution is proved to be in a committed version, the
proof checked in the page against the root read from the chain; a model's trail shows where it came from."""

from __future__ import annotations

from playwright.sync_api import expect

from backend.devplatform import RunningPlatform
from backend.devworld import DemoWorld, Role
from tests.e2e.conftest import TIMEOUT_MS, OpenApp, api_get

SEEDED_VERSION = 1  # the seed commits each dataset's first version over its accepted contributions


def test_auditor_checksContributionProofAgainstOnChainRoot(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld
) -> None:
    dataset_id = world.dataset_ids[0]
    seeded = [api_get(platform, f"/v1/contributions/{c}") for c in world.contribution_ids]
    contribution = next(c for c in seeded if c["dataset_id"] == dataset_id and c["status"] == "accepted")
    version = next(
        v
        for v in api_get(platform, f"/v1/datasets/{dataset_id}")["versions"]
        if v["version"] == SEEDED_VERSION
    )
    app = open_app(Role.MODEL_USER, "provenance")
    page = app.page

    page.get_by_label("Asset id (model or dataset)").fill(str(dataset_id))
    page.get_by_role("button", name="Show provenance").click()
    expect(page.get_by_test_id("dataset-versions")).to_contain_text(version["contributions_root"])
    page.get_by_label("Dataset version").select_option(str(SEEDED_VERSION))
    page.get_by_test_id(f"contribution-{contribution['id']}").get_by_role(
        "button", name="Check proof"
    ).click()

    result = page.get_by_test_id("proof-result")
    expect(result).to_contain_text("The proof checks against the on-chain root", timeout=TIMEOUT_MS)
    expect(result).to_have_attribute("data-verified", "true")
    expect(result.get_by_test_id("on-chain-root")).to_have_text(version["contributions_root"])
    expect(result.get_by_test_id("computed-root")).to_have_text(version["contributions_root"])


def test_auditor_followsStudentBackToTeacherAndItsTrainingData(open_app: OpenApp, world: DemoWorld) -> None:
    app = open_app(Role.MODEL_USER, "provenance", world.student_model_id)
    page = app.page

    derived = page.get_by_test_id("derived-from")
    expect(derived).to_contain_text(f"distilled from model {world.teacher_model_id}")
    expect(derived).to_contain_text(f"under licence {world.distillation_licence_id}")
    derived.get_by_role("link", name=f"model {world.teacher_model_id}").click()

    trained_on = page.get_by_test_id("trained-on")
    for dataset_id in world.dataset_ids:
        expect(trained_on).to_contain_text(f"dataset {dataset_id}")


def test_auditor_unknownOrMalformedAssetId_saysSo(open_app: OpenApp) -> None:
    app = open_app(Role.MODEL_USER, "provenance", "abc")
    expect(app.page.get_by_role("alert")).to_contain_text('"abc" is not an asset id')

    app.go("provenance", 999_999)
    expect(app.page.get_by_role("alert")).to_contain_text("There is no model or dataset with id 999999")
