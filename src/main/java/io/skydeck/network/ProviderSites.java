package io.skydeck.network;

import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.Region;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;

/**
 * Where a region-wide resource (a network, a public address) goes: the first provider, by name,
 * that the tenant may use, has the capability and matches the hints, in its first region that
 * matches. Configuration only — no provider is called.
 */
final class ProviderSites {

    /** A provider and region able to hold the resource, and whether hints or the default chose it. */
    record Site(CloudProvider provider, Region region, String decidedBy) {
    }

    private ProviderSites() {
    }

    /** @param what the resource in words, for the refusal: "networks", "public addresses" */
    static Site first(Collection<CloudProvider> providers, Set<String> allowed, Class<? extends Capability> capability, String what,
                      Optional<String> provider, Optional<ProviderKind> kind, Optional<String> region) {
        String decidedBy = provider.isPresent() || kind.isPresent() || region.isPresent() ? "hints" : "first-allowed";
        return providers.stream()
                .filter(p -> allowed.isEmpty() || allowed.contains(p.name()))
                .filter(p -> p.capability(capability).isPresent())
                .filter(p -> provider.isEmpty() || p.name().equals(provider.get()))
                .filter(p -> kind.isEmpty() || p.kind() == kind.get())
                .sorted(Comparator.comparing(CloudProvider::name))
                .flatMap(p -> p.regions().stream().filter(r -> region.isEmpty() || r.id().equals(region.get()))
                        .map(r -> new Site(p, r, decidedBy)))
                .findFirst()
                .orElseThrow(() -> new ProblemException(ProblemType.NO_CAPACITY, "no provider the tenant may use offers " + what
                        + provider.map(p -> " as provider '" + p + "'").orElse("")
                        + kind.map(k -> " of kind " + k.name().toLowerCase()).orElse("")
                        + region.map(r -> " in region '" + r + "'").orElse("")));
    }
}
