package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import net.logstash.logback.argument.StructuredArgument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RefusalLogTest {

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final AtomicLong now = new AtomicLong();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RefusalLog log = new RefusalLog(new RefusalLog.Settings(10, 100, Duration.ofSeconds(10)), now::get, registry);
  private Logger logger;

  @BeforeEach
  void attach() {
    logger = (Logger) LoggerFactory.getLogger("sluice.rejections");
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  private static RefusalLog.Refusal refusal(String reason, String thirdParty) {
    return new RefusalLog.Refusal(false, 429, reason, reason, "build.start", thirdParty, null, "10.0.0.1", null, "refused");
  }

  @Test
  void floodOfTenThousandRefusalsWritesABoundedNumberOfLinesWhoseCountsAddUp() {
    for (int i = 0; i < 10_000; i++) {
      String thirdParty = i % 4 == 0 ? "random-" + i : "abuser-" + (i % 3);
      log.record(refusal(i % 2 == 0 ? "third_party" : "global", thirdParty));
    }
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    log.flush();

    long written = appender.list.stream().filter(e -> !isSummary(e)).count();
    long summarised = appender.list.stream().filter(RefusalLogTest::isSummary).mapToLong(RefusalLogTest::suppressed).sum();
    // 100 lines in the window, plus at most 100 summary lines when it closes.
    assertThat(appender.list.size()).isLessThanOrEqualTo(200);
    assertThat(written).isEqualTo(100);
    assertThat(written + summarised).isEqualTo(10_000);
    assertThat(registry.get("refusals").tag("reason", "third_party").counter().count()).isEqualTo(5_000);
    assertThat(registry.get("refusals").tag("reason", "global").counter().count()).isEqualTo(5_000);
  }

  @Test
  void identicalRefusalsAreSummarisedPerKind() {
    for (int i = 0; i < 25; i++) {
      log.record(refusal("third_party", "customer-123"));
    }
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    log.flush();

    assertThat(appender.list).hasSize(11);
    var summary = appender.list.get(10);
    assertThat(summary.getFormattedMessage()).isEqualTo("15 more like this in the last 10 s");
  }

  @Test
  void aQuietWindowStartsAfresh() {
    for (int i = 0; i < 12; i++) {
      log.record(refusal("endpoint", "a"));
    }
    now.addAndGet(Duration.ofSeconds(11).toNanos());
    log.record(refusal("endpoint", "a"));

    assertThat(appender.list.stream().filter(e -> !isSummary(e)).count()).isEqualTo(11);
    assertThat(appender.list.stream().filter(RefusalLogTest::isSummary).mapToLong(RefusalLogTest::suppressed).sum()).isEqualTo(2);
  }

  private static boolean isSummary(ILoggingEvent event) {
    return event.getFormattedMessage().contains("more ");
  }

  private static long suppressed(ILoggingEvent event) {
    for (Object argument : event.getArgumentArray()) {
      if (argument instanceof StructuredArgument sa && sa.toString().startsWith("suppressed=")) {
        return Long.parseLong(sa.toString().substring("suppressed=".length()));
      }
    }
    throw new AssertionError("summary without a count: " + event.getFormattedMessage());
  }
}
