package network.notifi.sluice.loadtest.harness;

/** One cross-replica expectation of a run and whether it held. */
record Check(String what, boolean ok, String detail) {
  static Check of(String what, boolean ok, String detail) {
    return new Check(what, ok, detail);
  }

  @Override
  public String toString() {
    return (ok ? "PASS " : "FAIL ") + what + ": " + detail;
  }
}
