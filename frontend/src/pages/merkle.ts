// Checking a contribution's inclusion proof in the browser, independently of the API's own check: the leaf is
// rebuilt from its fields as OpenZeppelin's StandardMerkleTree hashes it (backend/domain/contributions_tree.py)
// and folded up with the proof's sibling hashes, the smaller of each pair first.
import { concat, encodeAbiParameters, keccak256, toHex, type Address, type Hex } from "viem";

const SHA2_256 = 0x12;
const SHA2_256_LENGTH = 32;
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base58Decode(text: string): Uint8Array {
  let value = 0n;
  for (const char of text) {
    const digit = BASE58.indexOf(char);
    if (digit < 0) throw new Error(`"${char}" is not a base58 character`);
    value = value * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  for (; value > 0n; value >>= 8n) bytes.unshift(Number(value & 0xffn));
  for (const char of text) {
    if (char !== "1") break;
    bytes.unshift(0); // each leading "1" stands for a zero byte
  }
  return Uint8Array.from(bytes);
}

function base32Decode(text: string): Uint8Array {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text.toLowerCase()) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) throw new Error(`"${char}" is not a base32 character`);
    buffer = (buffer << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

function readVarint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  for (let shift = 0; offset < bytes.length; shift += 7) {
    const byte = bytes[offset++] ?? 0;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, offset];
  }
  throw new Error("the CID ends inside a number");
}

function sha256Digest(multihash: Uint8Array, cid: string): Hex {
  if (
    multihash[0] !== SHA2_256 ||
    multihash[1] !== SHA2_256_LENGTH ||
    multihash.length !== 2 + SHA2_256_LENGTH
  )
    throw new Error(`${cid} is not a sha2-256 CID`);
  return toHex(multihash.slice(2));
}

/** The sha2-256 digest inside a CIDv0 ("Qm…") or a base32 CIDv1 ("b…"): the leaf's bytes32 field. */
export function cidDigest(cid: string): Hex {
  if (cid.startsWith("Qm")) return sha256Digest(base58Decode(cid), cid);
  if (cid.startsWith("b")) {
    const raw = base32Decode(cid.slice(1));
    const [version, afterVersion] = readVarint(raw, 0);
    if (version !== 1) throw new Error(`${cid} is CID version ${version}, not 1`);
    const [, afterCodec] = readVarint(raw, afterVersion);
    return sha256Digest(raw.slice(afterCodec), cid);
  }
  throw new Error(`${cid} is not a CID (expected "Qm…" or "b…")`);
}

/** keccak256(keccak256(abi.encode(contributor, cidDigest, weight))), as StandardMerkleTree hashes a leaf. */
export function contributionLeafHash(contributor: Address, cid: string, weight: bigint): Hex {
  const encoded = encodeAbiParameters(
    [{ type: "address" }, { type: "bytes32" }, { type: "uint256" }],
    [contributor, cidDigest(cid), weight],
  );
  return keccak256(keccak256(encoded));
}

/** The root a proof leads to from a leaf: each step hashes the pair with the smaller hash first. */
export function rootFromProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>(
    (node, sibling) =>
      keccak256(BigInt(node) < BigInt(sibling) ? concat([node, sibling]) : concat([sibling, node])),
    leaf,
  );
}
