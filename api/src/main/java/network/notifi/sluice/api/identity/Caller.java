package network.notifi.sluice.api.identity;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Who sent a request, as far as {@code identity.mode} can tell, and what that lets it do.
 */
public sealed interface Caller {

  /**
   * The third party the request is limited and recorded under.
   *
   * @param claimed what the request itself says (the {@code X-Third-Party-ID} header, else the event
   *     source), validated when asked; asked only where the network is trusted, ignored otherwise
   */
  Optional<String> thirdParty(Supplier<Optional<String>> claimed);

  /** Whether the caller may start builds in {@code namespace}; any caller but a key holder may use any. */
  default boolean mayUse(String namespace) {
    return true;
  }

  /** Whether the caller may see a build started by {@code owner}, and who started it; any caller but a key holder may. */
  default boolean mayView(Optional<String> owner) {
    return true;
  }

  /** {@code identity.mode: header}: whoever the request says, trusted because a gateway authenticated it. */
  record Trusted() implements Caller {
    @Override
    public Optional<String> thirdParty(Supplier<Optional<String>> claimed) {
      return claimed.get();
    }
  }

  /** {@code identity.mode: none}: nobody in particular. */
  record Anonymous() implements Caller {
    @Override
    public Optional<String> thirdParty(Supplier<Optional<String>> claimed) {
      return Optional.empty();
    }
  }

  /** {@code identity.mode: api_key}: the holder of a configured key; nothing it writes changes who it is. */
  record KeyHolder(ApiKey key) implements Caller {
    @Override
    public Optional<String> thirdParty(Supplier<Optional<String>> claimed) {
      return Optional.of(key.thirdParty());
    }

    @Override
    public boolean mayUse(String namespace) {
      return key.namespaces().contains(namespace);
    }

    @Override
    public boolean mayView(Optional<String> owner) {
      return owner.isPresent() && owner.get().equals(key.thirdParty());
    }
  }
}
