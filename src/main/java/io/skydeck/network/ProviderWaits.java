package io.skydeck.network;

import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.TracksOperations;

import java.time.Duration;

/**
 * Waits, outside any transaction, for one provider step of a multi-step operation (a subnet's
 * delete before its network's, a rule change of a group) to end. A step that fails throws the
 * provider's error and one that does not end in time a {@link ProviderTimeout}: either way the
 * operation's submit counts an attempt and is tried again later, and every step is safe to repeat.
 */
final class ProviderWaits {

    private ProviderWaits() {
    }

    static void awaitDone(TracksOperations provider, OperationHandle handle, String providerName, String what, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        long pause = 20;
        while (true) {
            OperationStatus status = provider.poll(handle);
            if (status instanceof OperationStatus.Succeeded) {
                return;
            }
            if (status instanceof OperationStatus.Failed failed) {
                throw failed.error();
            }
            if (System.nanoTime() > deadline) {
                throw new ProviderTimeout(providerName, what + " " + handle.resource().id() + " did not end within " + within.toSeconds() + " s");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderTimeout(providerName, "interrupted while waiting for " + what + " " + handle.resource().id());
            }
            pause = Math.min(pause * 2, 2_000);
        }
    }
}
