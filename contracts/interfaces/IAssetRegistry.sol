// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Terms, EdgeType} from "./ILicenseTypes.sol";

/// @title IAssetRegistry
/// @notice Models and datasets as ERC-721 assets with their provenance: a model's weight versions, its
/// training datasets (each at a fixed dataset version) and its typed parent edges; a dataset's versions,
/// each a Merkle root over its accepted contributions.
/// @dev Deriving a model from a parent requires the registrant to own the parent or to hold a valid licence
/// on it whose terms permit that kind of derivation: DISTILL needs DISTILLATION, TRAIN_ON_OUTPUTS needs
/// TRAIN_ON_OUTPUTS, every other edge needs DERIVATIVES. At registration the registry hands the royalty router
/// the model's direct parents (each at the `derivativeRevShareBps` of the terms the registrant's licence was
/// bought under, or of the current terms for a parent the registrant owns) and its dataset weights; the
/// router derives and bounds the royalty stack.
interface IAssetRegistry {
    enum AssetKind {
        NONE,
        MODEL,
        DATASET
    }

    /// @notice One parent edge of a model.
    struct ParentEdge {
        uint256 parentId;
        EdgeType edgeType;
        // Licence on the parent held by the registrant; 0 when the registrant owns the parent.
        uint256 licenceId;
    }

    /// @notice One training dataset of a model, pinned to a version.
    struct DatasetUse {
        uint64 datasetId;
        // 1-based dataset version (see `datasetVersion`).
        uint32 version;
        // Share of the model's contributor revenue for this dataset; all weights of a model sum to 10,000.
        uint16 weightBps;
    }

    /// @notice One weight version of a model.
    struct ModelVersion {
        string manifestCid;
        bytes32 weightsHash;
        uint64 publishedAt;
    }

    /// @notice One version of a dataset: the Merkle root over its accepted contributions and its manifest.
    struct DatasetVersion {
        bytes32 contributionsRoot;
        string manifestCid;
        uint64 committedAt;
    }

    /// @notice What `registerModel` needs besides the first terms.
    struct ModelRegistration {
        string manifestCid;
        bytes32 weightsHash;
        ParentEdge[] parents;
        DatasetUse[] datasets;
    }

    /// @notice A model was registered with its first weight version.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        string manifestCid,
        bytes32 weightsHash
    );
    /// @notice A parent edge of `modelId` was recorded.
    event ParentLinked(
        uint256 indexed modelId,
        uint256 indexed parentId,
        EdgeType edgeType,
        uint256 licenceId
    );
    /// @notice A training dataset of `modelId` was recorded.
    event TrainingDatasetLinked(
        uint256 indexed modelId,
        uint256 indexed datasetId,
        uint32 version,
        uint16 weightBps
    );
    /// @notice A new weight version of `modelId` was published.
    event ModelVersionPublished(
        uint256 indexed modelId,
        uint256 version,
        string manifestCid,
        bytes32 weightsHash
    );
    /// @notice A dataset was registered.
    event DatasetRegistered(uint256 indexed datasetId, address indexed curator, string manifestCid);
    /// @notice The owner of `modelId` named (`allowed`) or removed `operator` as a reporter of its usage.
    event ModelOperatorSet(uint256 indexed modelId, address indexed operator, bool allowed);
    /// @notice `modelId` changed hands: every operator its previous owner named is removed.
    event ModelOperatorsCleared(uint256 indexed modelId);
    /// @notice A new version of `datasetId` was committed.
    event DatasetVersionCommitted(
        uint256 indexed datasetId,
        uint256 version,
        bytes32 contributionsRoot,
        string manifestCid
    );

    /// @notice `assetId` does not exist or is not of the kind the call needs.
    error AssetRegistryWrongKind(uint256 assetId, AssetKind expected, AssetKind actual);
    /// @notice `caller` is neither the owner of `assetId` nor allowed to act for it.
    error AssetRegistryUnauthorized(uint256 assetId, address caller);
    /// @notice A manifest CID was empty or longer than MAX_CID_LENGTH.
    error AssetRegistryInvalidCid();
    /// @notice A weights hash or contributions root was zero.
    error AssetRegistryZeroHash();
    /// @notice More parents, ancestors or datasets than the bound allows.
    error AssetRegistryTooMany(uint256 count, uint256 max);
    /// @notice The same parent or dataset was listed twice.
    error AssetRegistryDuplicate(uint256 assetId);
    /// @notice The dataset version does not exist.
    error AssetRegistryUnknownDatasetVersion(uint256 datasetId, uint32 version);
    /// @notice Dataset weights must sum to 10,000 bps; zero weights are not allowed.
    error AssetRegistryInvalidDatasetWeights(uint256 sumBps);
    /// @notice The registrant may not derive from `parentId` this way with licence `licenceId`.
    error AssetRegistryDerivationNotLicensed(uint256 parentId, EdgeType edgeType, uint256 licenceId);
    /// @notice A model listed itself as its parent.
    error AssetRegistrySelfParent(uint256 modelId);
    /// @notice The zero address cannot be a model operator.
    error AssetRegistryZeroOperator();

    /// @notice Most direct parents a model may have.
    function MAX_PARENTS() external view returns (uint256);
    /// @notice Most training datasets a model may list.
    function MAX_DATASETS() external view returns (uint256);
    /// @notice Longest accepted manifest CID, in bytes.
    function MAX_CID_LENGTH() external view returns (uint256);
    /// @notice Role that may commit dataset versions for any dataset (the platform's epoch oracle).
    function ORACLE_ROLE() external view returns (bytes32);

    /// @notice Registers a model owned by the caller, its lineage and its first licence terms.
    /// @dev Reverts unless every parent is a model the caller owns or holds a licence on that permits the
    /// edge type, every dataset version exists and the weights sum to 10,000 bps.
    function registerModel(
        ModelRegistration calldata registration,
        Terms calldata initialTerms
    ) external returns (uint256 modelId);

    /// @notice Publishes a new weight version of a model. Only the model's owner.
    function publishModelVersion(
        uint256 modelId,
        string calldata manifestCid,
        bytes32 weightsHash
    ) external returns (uint256 version);

    /// @notice Names (`allowed` true) or removes an operator that reports `modelId`'s metered usage to the
    /// platform. Only the model's owner. Operators belong to the owner who named them: a transfer of the
    /// model removes them all (ModelOperatorsCleared).
    function setModelOperator(uint256 modelId, address operator, bool allowed) external;

    /// @notice Whether `operator` is a usage reporter its current owner named for `modelId`.
    function isModelOperator(uint256 modelId, address operator) external view returns (bool);

    /// @notice Registers a dataset curated (owned) by the caller.
    function registerDataset(string calldata manifestCid) external returns (uint256 datasetId);

    /// @notice Commits a new dataset version. Only the dataset's owner or the oracle.
    function commitDatasetVersion(
        uint256 datasetId,
        bytes32 contributionsRoot,
        string calldata manifestCid
    ) external returns (uint32 version);

    /// @notice What kind of asset `assetId` is (NONE when it does not exist).
    function kindOf(uint256 assetId) external view returns (AssetKind);

    /// @notice Number of weight versions of a model.
    function modelVersionCount(uint256 modelId) external view returns (uint256);

    /// @notice Weight version `version` (1-based) of a model.
    function modelVersion(uint256 modelId, uint256 version) external view returns (ModelVersion memory);

    /// @notice Direct parents of a model.
    function parentsOf(uint256 modelId) external view returns (ParentEdge[] memory);

    /// @notice Training datasets of a model.
    function trainingDatasetsOf(uint256 modelId) external view returns (DatasetUse[] memory);

    /// @notice Number of versions of a dataset.
    function datasetVersionCount(uint256 datasetId) external view returns (uint256);

    /// @notice Version `version` (1-based) of a dataset.
    function datasetVersion(uint256 datasetId, uint256 version) external view returns (DatasetVersion memory);
}
