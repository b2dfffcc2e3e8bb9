from bench.gas_governance import measure_governance_gas


def test_measureGovernanceGas_reportsEveryOperation(accounts):
    rows = measure_governance_gas(accounts)
    for row in rows:
        print(row)
    assert all(row["provenant"] > 0 and row["openzeppelin"] > 0 for row in rows)
