export function Provenance({ assetId }: { assetId: string | undefined }) {
  return <h1>Provenance {assetId}</h1>;
}
