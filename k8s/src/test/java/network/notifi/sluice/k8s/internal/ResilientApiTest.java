package network.notifi.sluice.k8s.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ResilientApiTest {

  @ParameterizedTest(name = "HTTP {0} retried: {1}")
  @CsvSource({"500,true", "502,true", "503,true", "504,true", "429,true", "0,true",
      "400,false", "401,false", "403,false", "404,false", "409,false", "410,false", "422,false"})
  void onlyTransientStatusesAreRetried(int code, boolean retried) {
    assertThat(ResilientApi.isTransient(new ApiException(code, "x"))).isEqualTo(retried);
    assertThat(ResilientApi.isTransient(new CompletionException(new ApiException(code, "x")))).isEqualTo(retried);
  }

  @Test
  void connectionErrorsTimeoutsAndAFullBulkheadAreRetriedAnOpenBreakerIsNot() {
    assertThat(ResilientApi.isTransient(new ApiException(new ConnectException("refused")))).isTrue();
    assertThat(ResilientApi.isTransient(new IOException("reset"))).isTrue();
    assertThat(ResilientApi.isTransient(new TimeoutException())).isTrue();
    assertThat(ResilientApi.isTransient(BulkheadFullException.createBulkheadFullException(Bulkhead.ofDefaults("b"))))
        .isTrue();
    assertThat(ResilientApi.isTransient(
        CallNotPermittedException.createCallNotPermittedException(CircuitBreaker.ofDefaults("c")))).isFalse();
    assertThat(ResilientApi.isTransient(new IllegalStateException())).isFalse();
  }
}
