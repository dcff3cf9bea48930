package io.skydeck.providers;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.connectors.sandbox.ArtifactDefect;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bad versions on the sandbox, marked while the service runs: what {@code skydeck.sandbox.artifact-defects}
 * does at start-up, for demos and for tests that go through the API. The marks live in the
 * sandbox's own state ({@link io.skydeck.connectors.sandbox.SandboxTraffic}), not here: with
 * {@code skydeck.sandbox.shared-state} that is PostgreSQL, so every replica serving the sandbox
 * sees a mark at once, and a restart keeps it.
 *
 * <p>The sandbox plays a remote cloud, so it is changed outside any transaction of ours, and the
 * audit row is written after it in a transaction of its own: a change the sandbox refused is not
 * audited, and should the audit write fail, the mark stands unaudited and the caller gets the
 * error (marking again is harmless: a mark replaces the one before).
 */
@ApplicationScoped
public class ArtifactDefects {

    @Inject
    ProviderRegistry providers;

    @Inject
    AuditLog audit;

    /** Marks {@code defect}'s artifact bad from now on, replacing an earlier mark. */
    public ArtifactDefect mark(ArtifactDefect defect) {
        sandbox().traffic().markDefective(defect);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("failingPercent", defect.failingPercent());
        details.put("errorPercent", defect.errorPercent());
        details.put("addedLatency", defect.addedLatency().toString());
        QuarkusTransaction.requiringNew().run(() ->
                audit.record("sandbox.artifact-defect.marked", "artifact-defect", defect.artifact(), null, details));
        return defect;
    }

    /** The artifact is sound again; 404 when it was not marked. */
    public void clear(String artifact) {
        if (!sandbox().traffic().clearDefect(artifact)) {
            throw ProblemException.notFound("artifact defect", artifact);
        }
        QuarkusTransaction.requiringNew().run(() ->
                audit.record("sandbox.artifact-defect.cleared", "artifact-defect", artifact, null, Map.of()));
    }

    public List<ArtifactDefect> list() {
        return sandbox().traffic().defects();
    }

    public Optional<ArtifactDefect> find(String artifact) {
        return sandbox().traffic().defect(artifact);
    }

    /** The in-process sandbox; 404 when this Skydeck runs without it (a real cloud has no defects to mark). */
    private SandboxCloud sandbox() {
        return providers.find(SandboxCloud.DEFAULT_NAME)
                .filter(SandboxCloud.class::isInstance)
                .map(SandboxCloud.class::cast)
                .orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND, "the sandbox provider is not enabled on this Skydeck "
                        + "(skydeck.sandbox.enabled=false); artifact defects are marked on the sandbox only"));
    }
}
