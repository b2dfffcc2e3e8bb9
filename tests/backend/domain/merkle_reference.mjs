// Reference answers from @openzeppelin/merkle-tree for the Python trees (backend/domain/merkle.py, the rewards
// tree, and backend/domain/contributions_tree.py).
//
// stdin:  {"trees": [[[account, token, amount], ...], ...], "proofs": true, "dump": false, "dumps": [dump, ...],
//          "encoding": [...]}
//         amounts are decimal strings; "encoding" (default the rewards leaf) is the leaf's ABI types; "proofs" (default true) asks for every leaf's proof, "dump" for
//         each tree's tree.dump(); "dumps" are loaded with StandardMerkleTree.load.
// stdout: {"trees": [{"root", "ms", "proofs"?: [[hex, ...] per value, in input order], "dump"?} | {"error"}],
//          "loaded": [{"root"} | {"error"} per dump]}
// "ms" is the time StandardMerkleTree.of took; the bench compares it with the Python build.
import {createRequire} from "node:module";
import {performance} from "node:perf_hooks";

const require = createRequire(import.meta.url); // resolves the repository's node_modules
const {StandardMerkleTree} = require("@openzeppelin/merkle-tree");

const LEAF_ENCODING = ["address", "address", "uint256"];

function attempt(fn) {
    try {
        return fn();
    } catch (error) {
        return {error: error.message};
    }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const withProofs = request.proofs ?? true;
const withDump = request.dump ?? false;
const encoding = request.encoding ?? LEAF_ENCODING;

const trees = (request.trees ?? []).map(values =>
    attempt(() => {
        const start = performance.now();
        const tree = StandardMerkleTree.of(values, encoding);
        const ms = performance.now() - start;
        const result = {root: tree.root, ms};
        if (withProofs) result.proofs = values.map((_, index) => tree.getProof(index));
        if (withDump) result.dump = tree.dump();
        return result;
    }),
);
const loaded = (request.dumps ?? []).map(dump => attempt(() => ({root: StandardMerkleTree.load(dump).root})));

process.stdout.write(JSON.stringify({trees, loaded}), () => process.exit(0));
