export function Contribute() {
  return <h1>Contribute</h1>;
}
