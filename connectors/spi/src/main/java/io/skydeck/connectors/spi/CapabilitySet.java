package io.skydeck.connectors.spi;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable map from capability interface to its implementation, so that a connector
 * answers {@link CloudProvider#capability(Class)} without casts of its own.
 */
public final class CapabilitySet {
    private final Map<Class<? extends Capability>, Capability> byType;

    private CapabilitySet(Map<Class<? extends Capability>, Capability> byType) {
        this.byType = Collections.unmodifiableMap(new LinkedHashMap<>(byType));
    }

    public static CapabilitySet empty() {
        return new CapabilitySet(Map.of());
    }

    /** A copy with one more capability; the implementation must really implement the type. */
    public <C extends Capability> CapabilitySet with(Class<C> type, C implementation) {
        var copy = new LinkedHashMap<>(byType);
        copy.put(type, type.cast(implementation));
        return new CapabilitySet(copy);
    }

    public <C extends Capability> Optional<C> get(Class<C> type) {
        return Optional.ofNullable(byType.get(type)).map(type::cast);
    }

    public Set<CapabilityKind> kinds() {
        var kinds = EnumSet.noneOf(CapabilityKind.class);
        byType.keySet().forEach(type -> kinds.add(CapabilityKind.of(type)));
        return Collections.unmodifiableSet(kinds);
    }
}
