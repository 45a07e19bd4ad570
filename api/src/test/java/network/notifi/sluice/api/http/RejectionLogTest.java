package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Optional;
import net.logstash.logback.encoder.LogstashEncoder;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RejectionLogTest {

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final LogstashEncoder encoder = new LogstashEncoder();
  private Logger logger;
  private SluiceApp app;
  private HttpTestClient client;

  @BeforeEach
  void setUp() {
    logger = (Logger) LoggerFactory.getLogger("sluice.rejections");
    appender.start();
    logger.addAppender(appender);
    encoder.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
    encoder.start();
    var config = TestConfigs.config(Map.of("SLUICE_RATE_LIMITING_THIRD_PARTY_BURST", "1"));
    app = SluiceApp.builder(config).clock(new ManualClock()).build().start();
    client = new HttpTestClient(app.port());
  }

  @AfterEach
  void tearDown() {
    app.close();
    logger.detachAppender(appender);
  }

  @Test
  void everyRefusalIsOneJsonLineWithReasonLevelEndpointThirdPartyAndRemoteAddress() throws Exception {
    client.send(client.buildStart("p").header("X-Third-Party-ID", "customer-123"));
    client.send(client.buildStart("p").header("X-Third-Party-ID", "customer-123"));

    assertThat(appender.list).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(encoder.encode(appender.list.get(0)));
    assertThat(line.get("reason").asText()).isEqualTo("third_party");
    assertThat(line.get("limit_level").asText()).isEqualTo("third_party");
    assertThat(line.get("endpoint").asText()).isEqualTo("build.start");
    assertThat(line.get("third_party").asText()).isEqualTo("customer-123");
    assertThat(line.get("remote_addr").asText()).isEqualTo("127.0.0.1");
    assertThat(line.get("status").asInt()).isEqualTo(429);
  }

  @Test
  void badInputIsLoggedWithItsReason() throws Exception {
    client.send(client.buildStart("NOT_A_LABEL"));

    assertThat(appender.list).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(encoder.encode(appender.list.get(0)));
    assertThat(line.get("reason").asText()).isEqualTo("invalid_parser_id");
    assertThat(line.get("status").asInt()).isEqualTo(400);
  }
}
