package io.skydeck.providers;

import java.time.Instant;

/**
 * How the last inventory read of one provider went. A provider whose inventory cannot be read
 * (credentials refused, cloud down) takes no new placements, but the servers Skydeck already
 * has there keep their holds on stand-in hosts until a read succeeds again.
 */
public sealed interface InventoryState permits InventoryState.InventoryRead, InventoryState.InventoryUnreadable {

    Instant at();

    /** @param hosts hosts read; {@code flavors} flavors offered */
    record InventoryRead(Instant at, int hosts, int flavors) implements InventoryState {
    }

    /**
     * @param type    the problem type slug of the failure ("provider-authentication-failed")
     * @param detail  what the provider (or its configuration) said
     * @param heldOn  stand-in hosts that keep the provider's held servers
     * @param failure what was thrown, to answer a refresh with the same problem
     */
    record InventoryUnreadable(Instant at, String type, String detail, int heldOn, RuntimeException failure)
            implements InventoryState {
    }
}
