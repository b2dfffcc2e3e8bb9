export function Dao() {
  return <h1>DAO</h1>;
}
