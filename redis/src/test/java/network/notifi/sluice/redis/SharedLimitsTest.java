package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisson.api.RedissonClient;

/** The shared limits on a real Redis, standalone and cluster, each test under a prefix of its own. */
class SharedLimitsTest {

  private static RedissonClient client(String mode) {
    return mode.equals("cluster") ? SharedClients.cluster() : SharedClients.standalone();
  }

  private static SharedLimits fresh(String mode) {
    return SharedLimits.create(client(mode), "test-" + UUID.randomUUID() + ":");
  }

  @ParameterizedTest
  @ValueSource(strings = {"standalone", "cluster"})
  void nothingIsInForceBeforeTheFirstFile(String mode) {
    assertThat(fresh(mode).read().join()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"standalone", "cluster"})
  void anAdminChangeHoldsUntilTheFileItselfChanges(String mode) {
    var limits = fresh(mode);

    var first = limits.adoptFile("file-a", 1_000).join();
    var sameFileAgain = limits.adoptFile("file-a", 2_000).join();
    var admin = limits.publish("admin-b", "admin", 3_000).join();
    var restartWithTheSameFile = limits.adoptFile("file-a", 4_000).join();
    var newFile = limits.adoptFile("file-c", 5_000).join();

    assertThat(first).isEqualTo(new SharedLimits.Version(1, "file-a", "file", 1_000));
    assertThat(sameFileAgain).isEqualTo(first);
    assertThat(admin).isEqualTo(new SharedLimits.Version(2, "admin-b", "admin", 3_000));
    assertThat(restartWithTheSameFile).isEqualTo(admin);
    assertThat(newFile).isEqualTo(new SharedLimits.Version(3, "file-c", "file", 5_000));
    assertThat(limits.read().join()).contains(newFile);
  }
}
