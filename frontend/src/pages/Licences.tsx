export function Licences() {
  return <h1>My licences</h1>;
}
