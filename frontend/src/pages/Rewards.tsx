export function Rewards() {
  return <h1>Rewards</h1>;
}
