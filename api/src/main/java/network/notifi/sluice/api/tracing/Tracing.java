package network.notifi.sluice.api.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;

/**
 * OpenTelemetry for Sluice, configured by the standard {@code OTEL_*} environment variables and off
 * by default: tracing starts only when {@code OTEL_TRACES_EXPORTER} or an OTLP endpoint ({@code
 * OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}) is set, and {@code
 * OTEL_SDK_DISABLED} is not {@code true}. Service name {@code sluice} unless {@code
 * OTEL_SERVICE_NAME} says otherwise.
 */
public final class Tracing {

  /** The instrumentation scope of every Sluice span. */
  public static final String SCOPE = "network.notifi.sluice";

  private Tracing() {}

  public static OpenTelemetry fromEnvironment(Map<String, String> env) {
    boolean disabled = "true".equalsIgnoreCase(env.getOrDefault("OTEL_SDK_DISABLED", "false"));
    boolean asked =
        env.containsKey("OTEL_TRACES_EXPORTER")
            || env.containsKey("OTEL_EXPORTER_OTLP_ENDPOINT")
            || env.containsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    if (disabled || !asked) {
      return OpenTelemetry.noop();
    }
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> Map.of(
            "otel.service.name", env.getOrDefault("OTEL_SERVICE_NAME", "sluice"),
            "otel.metrics.exporter", env.getOrDefault("OTEL_METRICS_EXPORTER", "none"),
            "otel.logs.exporter", env.getOrDefault("OTEL_LOGS_EXPORTER", "none")))
        .build()
        .getOpenTelemetrySdk();
  }

  public static Tracer tracer(OpenTelemetry openTelemetry) {
    return openTelemetry.getTracer(SCOPE);
  }
}
