package network.notifi.sluice.loadtest.harness;

import java.util.List;

/**
 * Samples {@code concurrent_jobs_active} on every replica every 50 ms while a scenario runs, keeping the
 * peak of the sum over replicas and the peak of any one replica. When the replicas share their
 * slots through Redis, each gauge reports the shared (namespace-wide) count and the per-replica peak
 * is the one that counts; when each replica has its own slots, the sum is.
 */
final class JobSampler {
  private final List<Replica> replicas;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile double peakSum;
  private volatile double peakOne;
  private final boolean sharedGauge;
  private volatile int samples;

  private JobSampler(List<Replica> replicas, boolean sharedGauge) {
    this.replicas = replicas;
    this.sharedGauge = sharedGauge;
    this.thread = new Thread(this::loop, "job-sampler");
    thread.setDaemon(true);
  }

  static JobSampler start(List<Replica> replicas, boolean sharedGauge) {
    JobSampler s = new JobSampler(replicas, sharedGauge);
    s.thread.start();
    return s;
  }

  private void loop() {
    while (running) {
      double sum = 0;
      double one = 0;
      for (Replica r : replicas) {
        try {
          double v = r.metricsNamed("concurrent_jobs_active").sum("concurrent_jobs_active", l -> true);
          sum += v;
          one = Math.max(one, v);
        } catch (Exception e) {
          // a scrape that fails is a missed sample, not a result
        }
      }
      peakSum = Math.max(peakSum, sum);
      peakOne = Math.max(peakOne, one);
      samples++;
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  void stop() throws InterruptedException {
    running = false;
    thread.join(2000);
  }

  Check check(int cap) {
    boolean shared = sharedGauge && replicas.size() > 1;
    double peak = shared ? peakOne : peakSum;
    return Check.of("job slots never above the cap", peak <= cap,
        String.format("peak concurrent_jobs_active %.0f (%s) <= %d over %d samples", peak,
            shared ? "highest replica: the gauges report the shared count" : "summed over replicas", cap, samples));
  }
}
