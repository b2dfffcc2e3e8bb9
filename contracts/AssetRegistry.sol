// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {ILicenseManager} from "./interfaces/ILicenseManager.sol";
import {IRoyaltyRouter} from "./interfaces/IRoyaltyRouter.sol";
import {Terms, EdgeType} from "./interfaces/ILicenseTypes.sol";

/// @title AssetRegistry
/// @notice Models and datasets as ERC-721 assets, with their lineage and versions.
contract AssetRegistry is IAssetRegistry, ERC721, AccessControl {
    /// @inheritdoc IAssetRegistry
    uint256 public constant MAX_PARENTS = 8;
    /// @inheritdoc IAssetRegistry
    uint256 public constant MAX_DATASETS = 16;
    /// @inheritdoc IAssetRegistry
    uint256 public constant MAX_CID_LENGTH = 128;
    /// @inheritdoc IAssetRegistry
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");

    uint256 private constant _BPS = 10_000;

    ILicenseManager private immutable _licenseManager;
    IRoyaltyRouter private immutable _router;

    uint256 private _lastAssetId;
    mapping(uint256 assetId => AssetKind) private _kinds;
    mapping(uint256 modelId => ModelVersion[]) private _modelVersions;
    mapping(uint256 modelId => ParentEdge[]) private _parents;
    mapping(uint256 modelId => DatasetUse[]) private _trainingDatasets;
    mapping(uint256 datasetId => DatasetVersion[]) private _datasetVersions;
    // Operators are kept per owner tenure: a transfer starts a new tenure, so clearing costs one write.
    mapping(uint256 modelId => uint256) private _ownerTenure;
    mapping(uint256 modelId => mapping(uint256 tenure => mapping(address operator => bool)))
        private _operators;

    /// @param admin The DAO's timelock: manages the oracle role.
    /// @param oracle The platform's epoch oracle, allowed to commit dataset versions.
    constructor(
        address admin,
        address oracle,
        ILicenseManager licenseManager,
        IRoyaltyRouter router
    ) ERC721("Provenant Asset", "PVA") {
        _licenseManager = licenseManager;
        _router = router;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ORACLE_ROLE, oracle);
    }

    /// @inheritdoc IAssetRegistry
    function registerModel(
        ModelRegistration calldata registration,
        Terms calldata initialTerms
    ) external returns (uint256 modelId) {
        _checkCid(registration.manifestCid);
        if (registration.weightsHash == bytes32(0)) revert AssetRegistryZeroHash();
        if (registration.parents.length > MAX_PARENTS) {
            revert AssetRegistryTooMany(registration.parents.length, MAX_PARENTS);
        }
        if (registration.datasets.length > MAX_DATASETS) {
            revert AssetRegistryTooMany(registration.datasets.length, MAX_DATASETS);
        }

        modelId = ++_lastAssetId;
        _kinds[modelId] = AssetKind.MODEL;
        _modelVersions[modelId].push(
            ModelVersion(registration.manifestCid, registration.weightsHash, uint64(block.timestamp))
        );
        _mint(msg.sender, modelId);
        emit ModelRegistered(modelId, msg.sender, registration.manifestCid, registration.weightsHash);

        IRoyaltyRouter.Pool[] memory pools = _linkDatasets(modelId, registration.datasets);
        IRoyaltyRouter.Ancestor[] memory parents = _linkParents(modelId, registration.parents);
        _router.registerSplit(modelId, parents, pools);
        _licenseManager.initializeTerms(modelId, initialTerms);
    }

    /// @inheritdoc IAssetRegistry
    function publishModelVersion(
        uint256 modelId,
        string calldata manifestCid,
        bytes32 weightsHash
    ) external returns (uint256 version) {
        _requireKind(modelId, AssetKind.MODEL);
        if (ownerOf(modelId) != msg.sender) revert AssetRegistryUnauthorized(modelId, msg.sender);
        _checkCid(manifestCid);
        if (weightsHash == bytes32(0)) revert AssetRegistryZeroHash();

        ModelVersion[] storage versions = _modelVersions[modelId];
        versions.push(ModelVersion(manifestCid, weightsHash, uint64(block.timestamp)));
        version = versions.length;
        emit ModelVersionPublished(modelId, version, manifestCid, weightsHash);
    }

    /// @inheritdoc IAssetRegistry
    function setModelOperator(uint256 modelId, address operator, bool allowed) external {
        _requireKind(modelId, AssetKind.MODEL);
        if (ownerOf(modelId) != msg.sender) revert AssetRegistryUnauthorized(modelId, msg.sender);
        if (operator == address(0)) revert AssetRegistryZeroOperator();
        _operators[modelId][_ownerTenure[modelId]][operator] = allowed;
        emit ModelOperatorSet(modelId, operator, allowed);
    }

    /// @inheritdoc IAssetRegistry
    function isModelOperator(uint256 modelId, address operator) external view returns (bool) {
        return _operators[modelId][_ownerTenure[modelId]][operator];
    }

    /// @inheritdoc IAssetRegistry
    function registerDataset(string calldata manifestCid) external returns (uint256 datasetId) {
        _checkCid(manifestCid);
        datasetId = ++_lastAssetId;
        _kinds[datasetId] = AssetKind.DATASET;
        _mint(msg.sender, datasetId);
        emit DatasetRegistered(datasetId, msg.sender, manifestCid);
    }

    /// @inheritdoc IAssetRegistry
    function commitDatasetVersion(
        uint256 datasetId,
        bytes32 contributionsRoot,
        string calldata manifestCid
    ) external returns (uint32 version) {
        _requireKind(datasetId, AssetKind.DATASET);
        if (ownerOf(datasetId) != msg.sender && !hasRole(ORACLE_ROLE, msg.sender)) {
            revert AssetRegistryUnauthorized(datasetId, msg.sender);
        }
        if (contributionsRoot == bytes32(0)) revert AssetRegistryZeroHash();
        _checkCid(manifestCid);

        DatasetVersion[] storage versions = _datasetVersions[datasetId];
        versions.push(DatasetVersion(contributionsRoot, manifestCid, uint64(block.timestamp)));
        version = uint32(versions.length);
        emit DatasetVersionCommitted(datasetId, version, contributionsRoot, manifestCid);
    }

    /// @inheritdoc IAssetRegistry
    function kindOf(uint256 assetId) external view returns (AssetKind) {
        return _kinds[assetId];
    }

    /// @inheritdoc IAssetRegistry
    function modelVersionCount(uint256 modelId) external view returns (uint256) {
        return _modelVersions[modelId].length;
    }

    /// @inheritdoc IAssetRegistry
    function modelVersion(uint256 modelId, uint256 version) external view returns (ModelVersion memory) {
        _requireKind(modelId, AssetKind.MODEL);
        return _modelVersions[modelId][version - 1];
    }

    /// @inheritdoc IAssetRegistry
    function parentsOf(uint256 modelId) external view returns (ParentEdge[] memory) {
        return _parents[modelId];
    }

    /// @inheritdoc IAssetRegistry
    function trainingDatasetsOf(uint256 modelId) external view returns (DatasetUse[] memory) {
        return _trainingDatasets[modelId];
    }

    /// @inheritdoc IAssetRegistry
    function datasetVersionCount(uint256 datasetId) external view returns (uint256) {
        return _datasetVersions[datasetId].length;
    }

    /// @inheritdoc IAssetRegistry
    function datasetVersion(
        uint256 datasetId,
        uint256 version
    ) external view returns (DatasetVersion memory) {
        _requireKind(datasetId, AssetKind.DATASET);
        return _datasetVersions[datasetId][version - 1];
    }

    /// @notice `ipfs://` URI of the asset's latest manifest (for a dataset without versions, none).
    function tokenURI(uint256 assetId) public view override returns (string memory) {
        _requireOwned(assetId);
        if (_kinds[assetId] == AssetKind.MODEL) {
            ModelVersion[] storage versions = _modelVersions[assetId];
            return string.concat("ipfs://", versions[versions.length - 1].manifestCid);
        }
        DatasetVersion[] storage datasetVersions = _datasetVersions[assetId];
        if (datasetVersions.length == 0) return "";
        return string.concat("ipfs://", datasetVersions[datasetVersions.length - 1].manifestCid);
    }

    /// @dev A model that changes hands loses the operators its previous owner named.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && _kinds[tokenId] == AssetKind.MODEL) {
            ++_ownerTenure[tokenId];
            emit ModelOperatorsCleared(tokenId);
        }
    }

    /// @inheritdoc ERC721
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _linkDatasets(
        uint256 modelId,
        DatasetUse[] calldata datasets
    ) private returns (IRoyaltyRouter.Pool[] memory pools) {
        uint256 weightSum;
        pools = new IRoyaltyRouter.Pool[](datasets.length);
        DatasetUse[] storage linked = _trainingDatasets[modelId];
        for (uint256 i; i < datasets.length; ++i) {
            DatasetUse calldata use = datasets[i];
            _requireKind(use.datasetId, AssetKind.DATASET);
            if (use.version == 0 || use.version > _datasetVersions[use.datasetId].length) {
                revert AssetRegistryUnknownDatasetVersion(use.datasetId, use.version);
            }
            if (use.weightBps == 0) revert AssetRegistryInvalidDatasetWeights(0);
            for (uint256 j; j < i; ++j) {
                if (datasets[j].datasetId == use.datasetId) revert AssetRegistryDuplicate(use.datasetId);
            }
            weightSum += use.weightBps;
            linked.push(use);
            pools[i] = IRoyaltyRouter.Pool(use.datasetId, use.weightBps);
            emit TrainingDatasetLinked(modelId, use.datasetId, use.version, use.weightBps);
        }
        if (datasets.length != 0 && weightSum != _BPS) revert AssetRegistryInvalidDatasetWeights(weightSum);
    }

    /// @dev Checks that each edge is licensed; returns the parents with the share each is owed.
    function _linkParents(
        uint256 modelId,
        ParentEdge[] calldata edges
    ) private returns (IRoyaltyRouter.Ancestor[] memory parents) {
        parents = new IRoyaltyRouter.Ancestor[](edges.length);
        for (uint256 i; i < edges.length; ++i) {
            ParentEdge calldata edge = edges[i];
            if (edge.parentId == modelId) revert AssetRegistrySelfParent(modelId);
            _requireKind(edge.parentId, AssetKind.MODEL);
            for (uint256 j; j < i; ++j) {
                if (edges[j].parentId == edge.parentId) revert AssetRegistryDuplicate(edge.parentId);
            }
            parents[i] = IRoyaltyRouter.Ancestor(uint64(edge.parentId), _parentRevShareBps(modelId, edge));
            _parents[modelId].push(edge);
            emit ParentLinked(modelId, edge.parentId, edge.edgeType, edge.licenceId);
        }
    }

    /// @dev The parent's share under the registrant's licence (counting the derivation against it), or under
    /// its current terms for its owner.
    function _parentRevShareBps(uint256 modelId, ParentEdge calldata edge) private returns (uint16) {
        if (edge.licenceId == 0 && _ownerOf(edge.parentId) == msg.sender) {
            uint256 current = _licenseManager.currentTermsVersion(edge.parentId);
            return _licenseManager.termsOf(edge.parentId, current).derivativeRevShareBps;
        }
        if (
            edge.licenceId == 0 ||
            !_licenseManager.canDerive(msg.sender, edge.parentId, edge.edgeType, edge.licenceId)
        ) {
            revert AssetRegistryDerivationNotLicensed(edge.parentId, edge.edgeType, edge.licenceId);
        }
        return _licenseManager.recordDerivation(edge.licenceId, modelId);
    }

    function _requireKind(uint256 assetId, AssetKind expected) private view {
        AssetKind actual = _kinds[assetId];
        if (actual != expected) revert AssetRegistryWrongKind(assetId, expected, actual);
    }

    function _checkCid(string calldata cid) private pure {
        uint256 length = bytes(cid).length;
        if (length == 0 || length > MAX_CID_LENGTH) revert AssetRegistryInvalidCid();
    }
}
