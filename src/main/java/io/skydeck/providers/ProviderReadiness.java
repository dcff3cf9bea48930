package io.skydeck.providers;

import io.skydeck.connectors.spi.CloudProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * The providers' part of {@code /q/health/ready}. A cloud whose inventory cannot be read makes
 * the service DEGRADED, not unready: taking every replica out of the load balancer would stop
 * work on the other clouds too, and on this one's existing servers. So the check stays UP and
 * says which provider is unavailable and why; the database check decides readiness.
 */
@Readiness
@ApplicationScoped
public class ProviderReadiness implements HealthCheck {

    @Inject
    ProviderRegistry providers;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("providers").up();
        boolean degraded = false;
        for (CloudProvider provider : providers.all()) {
            var state = providers.inventory(provider.name());
            if (state.orElse(null) instanceof InventoryState.InventoryUnreadable unreadable) {
                degraded = true;
                response.withData(provider.name(), "unavailable since " + unreadable.at() + ": " + unreadable.detail());
            } else if (state.isPresent()) {
                response.withData(provider.name(), "inventory read at " + state.get().at());
            }
        }
        return response.withData("state", degraded ? "DEGRADED" : "UP").build();
    }
}
