import brownie
import pytest

from tests.contracts.conftest import (
    ALL_PERMISSIONS,
    COMMERCIAL,
    DERIVATIVES,
    DISTILL,
    DISTILLATION,
    FINE_TUNE,
    MERGE,
    QUANTIZE,
    TRAIN_ON_OUTPUTS,
    TRAIN_ON_OUTPUTS_EDGE,
    cid,
    custom_error,
    make_terms,
    plain,
)

MODEL, DATASET, NONE = 1, 2, 0
ROOT = "0x" + "ab" * 32


@pytest.fixture
def owner(accounts):
    return accounts[1]


@pytest.fixture
def deriver(accounts):
    return accounts[2]


def test_registerDataset_mintsToCuratorAndEmits(system, owner):
    tx = system.registry.registerDataset(cid(1), {"from": owner})
    dataset_id = tx.return_value
    assert system.registry.ownerOf(dataset_id) == owner
    assert system.registry.kindOf(dataset_id) == DATASET
    assert system.registry.datasetVersionCount(dataset_id) == 0
    assert tx.events["DatasetRegistered"]["datasetId"] == dataset_id
    assert tx.events["DatasetRegistered"]["curator"] == owner
    assert tx.events["DatasetRegistered"]["manifestCid"] == cid(1)


@pytest.mark.parametrize("bad_cid", ["", "Q" * 129])
def test_registerDataset_badCid_reverts(system, owner, bad_cid):
    with brownie.reverts("AssetRegistryInvalidCid: "):
        system.registry.registerDataset(bad_cid, {"from": owner})


def test_commitDatasetVersion_byCuratorAndOracle_appendsVersions(system, owner):
    dataset_id = system.registry.registerDataset(cid(1), {"from": owner}).return_value
    tx = system.registry.commitDatasetVersion(dataset_id, ROOT, cid(2), {"from": owner})
    assert tx.return_value == 1
    assert tx.events["DatasetVersionCommitted"]["version"] == 1
    assert tx.events["DatasetVersionCommitted"]["contributionsRoot"] == ROOT
    tx = system.registry.commitDatasetVersion(dataset_id, "0x" + "cd" * 32, cid(3), {"from": system.oracle})
    assert tx.return_value == 2
    assert system.registry.datasetVersionCount(dataset_id) == 2
    root, manifest, committed_at = system.registry.datasetVersion(dataset_id, 2)
    assert (root, manifest) == ("0x" + "cd" * 32, cid(3))
    assert committed_at == tx.timestamp
    assert system.registry.tokenURI(dataset_id) == f"ipfs://{cid(3)}"


def test_commitDatasetVersion_byStranger_reverts(system, owner, deriver):
    dataset_id = system.registry.registerDataset(cid(1), {"from": owner}).return_value
    with brownie.reverts(custom_error("AssetRegistryUnauthorized", dataset_id, deriver)):
        system.registry.commitDatasetVersion(dataset_id, ROOT, cid(2), {"from": deriver})


def test_commitDatasetVersion_zeroRoot_reverts(system, owner):
    dataset_id = system.registry.registerDataset(cid(1), {"from": owner}).return_value
    with brownie.reverts("AssetRegistryZeroHash: "):
        system.registry.commitDatasetVersion(dataset_id, "0x" + "00" * 32, cid(2), {"from": owner})


def test_commitDatasetVersion_onModel_reverts(system, owner):
    model_id = system.register_model(owner)
    with brownie.reverts(f"AssetRegistryWrongKind: {model_id}, {DATASET}, {MODEL}"):
        system.registry.commitDatasetVersion(model_id, ROOT, cid(2), {"from": owner})


def test_registerModel_recordsVersionDatasetsAndTerms(system, owner):
    first = system.register_dataset(owner, n=10)
    second = system.register_dataset(owner, n=20)
    terms = make_terms(price=5, contributors_bps=3_000)
    registration = (cid(1), "0x" + "01" * 32, [], [(first, 1, 7_000), (second, 1, 3_000)])
    tx = system.registry.registerModel(registration, terms, {"from": owner})
    model_id = tx.return_value

    assert system.registry.ownerOf(model_id) == owner
    assert system.registry.kindOf(model_id) == MODEL
    assert system.registry.modelVersionCount(model_id) == 1
    assert plain(system.registry.modelVersion(model_id, 1))[:2] == plain((cid(1), "0x" + "01" * 32))
    assert plain(system.registry.trainingDatasetsOf(model_id)) == plain(
        [(first, 1, 7_000), (second, 1, 3_000)]
    )
    assert plain(system.registry.parentsOf(model_id)) == plain([])
    assert plain(system.router.royaltyStackOf(model_id)) == plain([])
    assert system.licenses.currentTermsVersion(model_id) == 1
    assert plain(system.licenses.termsOf(model_id, 1)) == plain(terms)
    assert system.registry.tokenURI(model_id) == f"ipfs://{cid(1)}"
    assert tx.events["ModelRegistered"]["owner"] == owner
    assert [e["datasetId"] for e in tx.events["TrainingDatasetLinked"]] == [first, second]
    assert tx.events["TermsPublished"]["version"] == 1


def test_registerModel_zeroWeightsHash_reverts(system, owner):
    with brownie.reverts("AssetRegistryZeroHash: "):
        system.registry.registerModel((cid(1), "0x" + "00" * 32, [], []), make_terms(), {"from": owner})


def test_registerModel_tooManyParents_reverts(system, owner):
    parents = [(i + 1, FINE_TUNE, 0) for i in range(9)]
    with brownie.reverts("AssetRegistryTooMany: 9, 8"):
        system.registry.registerModel((cid(1), "0x" + "01" * 32, parents, []), make_terms(), {"from": owner})


def test_registerModel_tooManyDatasets_reverts(system, owner):
    datasets = [(i + 1, 1, 625) for i in range(17)]
    with brownie.reverts("AssetRegistryTooMany: 17, 16"):
        system.registry.registerModel((cid(1), "0x" + "01" * 32, [], datasets), make_terms(), {"from": owner})


def test_registerModel_weightsNotSummingToWhole_reverts(system, owner):
    dataset_id = system.register_dataset(owner)
    with brownie.reverts("AssetRegistryInvalidDatasetWeights: 9999"):
        system.register_model(owner, datasets=[(dataset_id, 1, 9_999)])


def test_registerModel_zeroWeight_reverts(system, owner):
    first, second = system.register_dataset(owner, n=1), system.register_dataset(owner, n=3)
    with brownie.reverts("AssetRegistryInvalidDatasetWeights: 0"):
        system.register_model(owner, datasets=[(first, 1, 10_000), (second, 1, 0)])


def test_registerModel_duplicateDataset_reverts(system, owner):
    dataset_id = system.register_dataset(owner)
    with brownie.reverts(f"AssetRegistryDuplicate: {dataset_id}"):
        system.register_model(owner, datasets=[(dataset_id, 1, 5_000), (dataset_id, 1, 5_000)])


def test_registerModel_unknownDatasetVersion_reverts(system, owner):
    dataset_id = system.register_dataset(owner)
    with brownie.reverts(f"AssetRegistryUnknownDatasetVersion: {dataset_id}, 2"):
        system.register_model(owner, datasets=[(dataset_id, 2, 10_000)])


def test_registerModel_modelAsDataset_reverts(system, owner):
    model_id = system.register_model(owner)
    with brownie.reverts(f"AssetRegistryWrongKind: {model_id}, {DATASET}, {MODEL}"):
        system.register_model(owner, datasets=[(model_id, 1, 10_000)], n=2)


def test_registerModel_invalidTerms_reverts(system, owner):
    with brownie.reverts(f"LicenseManagerDurationOutOfRange: 0, 1, {3_650 * 86_400}"):
        system.register_model(owner, terms=make_terms(duration=0))


def test_registerModel_ownParentWithoutLicence_buildsStack(system, owner):
    parent = system.register_model(owner, terms=make_terms(derivative_rev_share_bps=1_500))
    tx = system.registry.registerModel(
        (cid(2), "0x" + "02" * 32, [(parent, QUANTIZE, 0)], []), make_terms(), {"from": owner}
    )
    child = tx.return_value
    assert plain(system.registry.parentsOf(child)) == plain([(parent, QUANTIZE, 0)])
    assert plain(system.router.royaltyStackOf(child)) == plain([(parent, 1_500)])
    assert tx.events["ParentLinked"]["edgeType"] == QUANTIZE
    assert tx.events["RoyaltyStackEntryAdded"]["revShareBps"] == 1_500


@pytest.mark.parametrize(
    ("edge", "permission"),
    [
        (DISTILL, DISTILLATION),
        (TRAIN_ON_OUTPUTS_EDGE, TRAIN_ON_OUTPUTS),
        (FINE_TUNE, DERIVATIVES),
        (MERGE, DERIVATIVES),
        (QUANTIZE, DERIVATIVES),
    ],
)
def test_registerModel_licensedEdge_succeedsOnlyWithThatPermission(system, owner, deriver, edge, permission):
    granting = system.register_model(owner, terms=make_terms(permissions=COMMERCIAL | permission), n=1)
    lacking = system.register_model(owner, terms=make_terms(permissions=ALL_PERMISSIONS & ~permission), n=2)
    good_licence = system.buy(deriver, granting)
    bad_licence = system.buy(deriver, lacking)

    child = system.register_model(deriver, parents=[(granting, edge, good_licence)], n=3)
    assert plain(system.registry.parentsOf(child)) == plain([(granting, edge, good_licence)])
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {lacking}, {edge}, {bad_licence}"):
        system.register_model(deriver, parents=[(lacking, edge, bad_licence)], n=4)


def test_registerModel_distillWithTrainOnOutputsLicence_reverts(system, owner, deriver):
    parent = system.register_model(owner, terms=make_terms(permissions=COMMERCIAL | TRAIN_ON_OUTPUTS))
    licence = system.buy(deriver, parent)
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {parent}, {DISTILL}, {licence}"):
        system.register_model(deriver, parents=[(parent, DISTILL, licence)], n=2)


def test_registerModel_withoutLicence_reverts(system, owner, deriver):
    parent = system.register_model(owner, terms=make_terms(permissions=ALL_PERMISSIONS))
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {parent}, {DISTILL}, 0"):
        system.register_model(deriver, parents=[(parent, DISTILL, 0)], n=2)


def test_registerModel_someoneElsesLicence_reverts(system, owner, deriver, accounts):
    parent = system.register_model(owner, terms=make_terms(permissions=ALL_PERMISSIONS))
    licence = system.buy(accounts[3], parent)
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {parent}, {DISTILL}, {licence}"):
        system.register_model(deriver, parents=[(parent, DISTILL, licence)], n=2)


def test_registerModel_licenceOnAnotherModel_reverts(system, owner, deriver):
    parent = system.register_model(owner, terms=make_terms(permissions=ALL_PERMISSIONS), n=1)
    other = system.register_model(owner, terms=make_terms(permissions=ALL_PERMISSIONS), n=2)
    licence = system.buy(deriver, other)
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {parent}, {DISTILL}, {licence}"):
        system.register_model(deriver, parents=[(parent, DISTILL, licence)], n=3)


def test_registerModel_expiredLicence_reverts(system, owner, deriver, chain):
    parent = system.register_model(owner, terms=make_terms(permissions=ALL_PERMISSIONS, duration=100))
    licence = system.buy(deriver, parent)
    chain.sleep(101)
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {parent}, {DISTILL}, {licence}"):
        system.register_model(deriver, parents=[(parent, DISTILL, licence)], n=2)


def test_registerModel_stackUsesLicenceTermsNotLaterTerms(system, owner, deriver):
    parent = system.register_model(
        owner, terms=make_terms(permissions=ALL_PERMISSIONS, derivative_rev_share_bps=800)
    )
    licence = system.buy(deriver, parent)
    system.licenses.setTerms(
        parent,
        make_terms(permissions=ALL_PERMISSIONS, derivative_rev_share_bps=4_000),
        {"from": system.timelock_account},
    )
    child = system.register_model(deriver, parents=[(parent, DISTILL, licence)], n=2)
    assert plain(system.router.royaltyStackOf(child)) == plain([(parent, 800)])


def test_registerModel_inheritsAncestorsOnce(system, owner):
    grandparent = system.register_model(owner, terms=make_terms(derivative_rev_share_bps=500), n=1)
    left = system.register_model(
        owner, terms=make_terms(derivative_rev_share_bps=700), parents=[(grandparent, FINE_TUNE, 0)], n=2
    )
    right = system.register_model(
        owner, terms=make_terms(derivative_rev_share_bps=900), parents=[(grandparent, MERGE, 0)], n=3
    )
    child = system.register_model(owner, parents=[(left, MERGE, 0), (right, MERGE, 0)], n=4)
    assert plain(system.router.royaltyStackOf(child)) == plain(
        [(grandparent, 500), (left, 700), (right, 900)]
    )


def test_registerModel_stackAboveCap_reverts(system, owner):
    parents = [
        system.register_model(owner, terms=make_terms(derivative_rev_share_bps=2_000), n=i)
        for i in range(1, 4)
    ]
    with brownie.reverts("RoyaltyRouterStackTooExpensive: 6000, 5000"):
        system.register_model(owner, parents=[(p, MERGE, 0) for p in parents], n=9)


def test_registerModel_moreThanMaxAncestors_reverts(system, owner):
    # A chain of 17 models: the 17th would inherit 16 ancestors plus its new parent.
    previous = system.register_model(owner, terms=make_terms(derivative_rev_share_bps=0), n=1)
    for n in range(2, 18):
        previous = system.register_model(
            owner, terms=make_terms(derivative_rev_share_bps=0), parents=[(previous, FINE_TUNE, 0)], n=n
        )
    assert len(system.router.royaltyStackOf(previous)) == 16
    with brownie.reverts("RoyaltyRouterTooManyAncestors: 17, 16"):
        system.register_model(owner, parents=[(previous, FINE_TUNE, 0)], n=30)


def test_registerModel_duplicateParent_reverts(system, owner):
    parent = system.register_model(owner)
    with brownie.reverts(f"AssetRegistryDuplicate: {parent}"):
        system.register_model(owner, parents=[(parent, MERGE, 0), (parent, FINE_TUNE, 0)], n=2)


def test_registerModel_datasetAsParent_reverts(system, owner):
    dataset_id = system.register_dataset(owner)
    with brownie.reverts(f"AssetRegistryWrongKind: {dataset_id}, {MODEL}, {DATASET}"):
        system.register_model(owner, parents=[(dataset_id, FINE_TUNE, 0)], n=5)


def test_registerModel_ownIdAsParent_reverts(system, owner):
    # The id the registration is about to take, listed as its own parent by the model's future owner.
    own_id = system.register_model(owner) + 1
    with brownie.reverts(f"AssetRegistrySelfParent: {own_id}"):
        system.register_model(owner, parents=[(own_id, FINE_TUNE, 0)], n=6)


# --- model operators ------------------------------------------------------------------------------------


def test_setModelOperator_byOwner_namesAndRemoves(system, owner, accounts):
    model_id, operator = system.register_model(owner), accounts[7]
    assert not system.registry.isModelOperator(model_id, operator)

    tx = system.registry.setModelOperator(model_id, operator, True, {"from": owner})
    assert dict(tx.events["ModelOperatorSet"]) == {"modelId": model_id, "operator": operator, "allowed": True}
    assert system.registry.isModelOperator(model_id, operator)
    assert not system.registry.isModelOperator(model_id, accounts[8])

    tx = system.registry.setModelOperator(model_id, operator, False, {"from": owner})
    assert tx.events["ModelOperatorSet"]["allowed"] is False
    assert not system.registry.isModelOperator(model_id, operator)


def test_setModelOperator_badCaller_reverts(system, owner, deriver, accounts):
    model_id, dataset_id = system.register_model(owner), system.register_dataset(owner)
    with brownie.reverts(custom_error("AssetRegistryUnauthorized", model_id, deriver)):
        system.registry.setModelOperator(model_id, deriver, True, {"from": deriver})  # naming oneself
    with brownie.reverts(f"AssetRegistryWrongKind: {dataset_id}, {MODEL}, {DATASET}"):
        system.registry.setModelOperator(dataset_id, accounts[7], True, {"from": owner})
    with brownie.reverts(f"AssetRegistryWrongKind: 999, {MODEL}, {NONE}"):
        system.registry.setModelOperator(999, accounts[7], True, {"from": owner})
    with brownie.reverts("AssetRegistryZeroOperator: "):
        system.registry.setModelOperator(model_id, brownie.ZERO_ADDRESS, True, {"from": owner})


def test_transferFrom_model_clearsOperatorsOfPreviousOwner(system, owner, deriver, accounts):
    model_id, operator, new_operator = system.register_model(owner), accounts[7], accounts[8]
    system.registry.setModelOperator(model_id, operator, True, {"from": owner})

    tx = system.registry.transferFrom(owner, deriver, model_id, {"from": owner})
    assert tx.events["ModelOperatorsCleared"]["modelId"] == model_id
    assert not system.registry.isModelOperator(model_id, operator)
    with brownie.reverts(custom_error("AssetRegistryUnauthorized", model_id, owner)):
        system.registry.setModelOperator(model_id, operator, True, {"from": owner})

    system.registry.setModelOperator(model_id, new_operator, True, {"from": deriver})
    # Handed back, the model does not bring back the operators its first owner named.
    system.registry.transferFrom(deriver, owner, model_id, {"from": deriver})
    assert not system.registry.isModelOperator(model_id, operator)
    assert not system.registry.isModelOperator(model_id, new_operator)


def test_transferFrom_dataset_emitsNoOperatorEvent(system, owner, deriver):
    dataset_id = system.register_dataset(owner)
    tx = system.registry.transferFrom(owner, deriver, dataset_id, {"from": owner})
    assert "ModelOperatorsCleared" not in tx.events


def test_publishModelVersion_byOwner_appendsVersion(system, owner):
    model_id = system.register_model(owner)
    tx = system.registry.publishModelVersion(model_id, cid(7), "0x" + "07" * 32, {"from": owner})
    assert tx.return_value == 2
    assert tx.events["ModelVersionPublished"]["version"] == 2
    assert plain(system.registry.modelVersion(model_id, 2))[:2] == plain((cid(7), "0x" + "07" * 32))
    assert system.registry.tokenURI(model_id) == f"ipfs://{cid(7)}"


def test_publishModelVersion_byStranger_reverts(system, owner, deriver):
    model_id = system.register_model(owner)
    with brownie.reverts(custom_error("AssetRegistryUnauthorized", model_id, deriver)):
        system.registry.publishModelVersion(model_id, cid(7), "0x" + "07" * 32, {"from": deriver})


def test_publishModelVersion_badInput_reverts(system, owner):
    model_id = system.register_model(owner)
    with brownie.reverts("AssetRegistryZeroHash: "):
        system.registry.publishModelVersion(model_id, cid(7), "0x" + "00" * 32, {"from": owner})
    with brownie.reverts("AssetRegistryInvalidCid: "):
        system.registry.publishModelVersion(model_id, "", "0x" + "07" * 32, {"from": owner})


def test_publishModelVersion_onUnknownAsset_reverts(system, owner):
    with brownie.reverts(f"AssetRegistryWrongKind: 99, {MODEL}, {NONE}"):
        system.registry.publishModelVersion(99, cid(7), "0x" + "07" * 32, {"from": owner})


def test_transferFrom_movesOwnershipAndPublishingRight(system, owner, deriver):
    model_id = system.register_model(owner)
    system.registry.transferFrom(owner, deriver, model_id, {"from": owner})
    system.registry.publishModelVersion(model_id, cid(7), "0x" + "07" * 32, {"from": deriver})
    with brownie.reverts(custom_error("AssetRegistryUnauthorized", model_id, owner)):
        system.registry.publishModelVersion(model_id, cid(8), "0x" + "08" * 32, {"from": owner})


def test_registerModel_recordsSplitWithRouter(system, owner):
    dataset_id = system.register_dataset(owner)
    parent = system.register_model(owner, terms=make_terms(derivative_rev_share_bps=300), n=2)
    child = system.register_model(
        owner, parents=[(parent, FINE_TUNE, 0)], datasets=[(dataset_id, 1, 10_000)], n=3
    )
    assert plain(system.router.royaltyStackOf(child)) == plain([(parent, 300)])
    assert plain(system.router.poolsOf(child)) == plain([(dataset_id, 10_000)])


def test_registerSplit_byAnyoneButRegistry_reverts(system, owner):
    with brownie.reverts(custom_error("RoyaltyRouterUnauthorized", owner)):
        system.router.registerSplit(1, [], [], {"from": owner})


def test_roles_heldByTimelockAndOracleOnly(system):
    admin = system.registry.DEFAULT_ADMIN_ROLE()
    assert system.registry.hasRole(admin, system.timelock)
    assert not system.registry.hasRole(admin, system.deployer)
    assert system.registry.hasRole(system.registry.ORACLE_ROLE(), system.oracle)


def test_bounds_areStated(system):
    assert system.registry.MAX_PARENTS() == 8
    assert system.registry.MAX_DATASETS() == 16
    assert system.router.MAX_ANCESTORS() == 16
    assert system.router.MAX_STACK_BPS() == 5_000
    assert system.registry.MAX_CID_LENGTH() == 128
