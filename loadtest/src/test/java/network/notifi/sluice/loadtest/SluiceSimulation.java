package network.notifi.sluice.loadtest;

import io.gatling.javaapi.core.Simulation;

/** A simulation whose outcomes are counted in {@link Tally} from a clean slate and written at the end. */
public abstract class SluiceSimulation extends Simulation {
  @Override
  public void before() {
    Tally.reset();
  }

  @Override
  public void after() {
    Tally.write();
  }
}
