package network.notifi.sluice.loadtest.harness;

import java.util.List;

/**
 * Samples {@code concurrent_jobs_active} on every replica every 50 ms while a scenario runs, keeping the
 * peak of the sum over replicas and the peak of any one replica. If the gauges report the shared
 * (cluster-wide) count, every replica shows the same value and the per-replica peak is the one that
 * counts; if they report their own builds, the sum is.
 */
final class JobSampler {
  private final List<Replica> replicas;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile double peakSum;
  private volatile double peakOne;
  private volatile boolean sharedGauge = true;
  private volatile int samples;

  private JobSampler(List<Replica> replicas) {
    this.replicas = replicas;
    this.thread = new Thread(this::loop, "job-sampler");
    thread.setDaemon(true);
  }

  static JobSampler start(List<Replica> replicas) {
    JobSampler s = new JobSampler(replicas);
    s.thread.start();
    return s;
  }

  private void loop() {
    while (running) {
      double sum = 0;
      double one = 0;
      Double first = null;
      for (Replica r : replicas) {
        try {
          double v = r.metrics().sum("concurrent_jobs_active", l -> true);
          sum += v;
          one = Math.max(one, v);
          if (first == null) {
            first = v;
          } else if (v != first) {
            sharedGauge = false;
          }
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
    boolean shared = sharedGauge && replicas.size() > 1 && peakOne > 0;
    double peak = shared ? peakOne : peakSum;
    return Check.of("job slots never above the cap", peak <= cap,
        String.format("peak concurrent_jobs_active %.0f (%s) <= %d over %d samples", peak,
            shared ? "gauges report the shared count" : "summed over replicas", cap, samples));
  }
}
