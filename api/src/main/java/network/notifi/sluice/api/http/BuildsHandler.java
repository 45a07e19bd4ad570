package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import network.notifi.sluice.api.identity.Caller;
import network.notifi.sluice.jobs.BuildAdmission;
import org.jetbrains.annotations.NotNull;

/**
 * {@code GET /builds/{id}}: a build's status, timestamps, namespace, parser, third party and failure
 * reason. In {@code identity.mode: api_key} a build is shown only to the third party that started it;
 * to anyone else it does not exist (404).
 */
final class BuildsHandler implements Handler {

  private final BuildAdmission admission;
  private final Responses responses;
  private final Authenticator authenticator;

  BuildsHandler(BuildAdmission admission, Responses responses, Authenticator authenticator) {
    this.admission = admission;
    this.responses = responses;
    this.authenticator = authenticator;
  }

  @Override
  public void handle(@NotNull Context ctx) {
    Caller caller = authenticator.authenticate(ctx);
    String id = ctx.pathParam("id");
    if (id.length() > 128 || !id.matches("[A-Za-z0-9._-]+")) {
      throw Problem.of(400, "invalid_build_id", "build id must be 1 to 128 of A-Z, a-z, 0-9, '.', '_', '-'").exception();
    }
    ctx.future(() -> admission.status(id)
        .thenAccept(status -> {
          if (status.isPresent() && caller.mayView(status.get().build().thirdParty())) {
            ctx.contentType("application/json").result(responses.bytes(AdmissionStarter.body(status.get())));
          } else {
            responses.problem(ctx, Problem.of(404, "build_not_found", "no build " + id + " (records expire)"), null, null);
          }
        })
        .exceptionally(failure -> {
          // The shared job stores did not answer: a dependency's bad day, not a bug.
          responses.reply(ctx, AdmissionStarter.unavailable("build status", failure), null, null);
          return null;
        }));
  }
}
