export function ModelPage({ modelId }: { modelId: string }) {
  return <h1>Model {modelId}</h1>;
}
