package network.notifi.sluice.redis;

/**
 * A bucket operation gave up after its compare-and-swap lost to other writers too many times in a row
 * ({@code redis.max_cas_attempts}). The bucket is unchanged by the failed operation.
 */
public final class CasContentionException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CasContentionException(String redisKey, int attempts) {
    super("compare-and-swap on " + redisKey + " lost " + attempts + " times in a row; giving up", null, false, false);
  }
}
