package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.ServerStatus;
import org.openstack4j.model.compute.Server;

/** Nova's server status (and task state, for a delete in progress) in Skydeck's words. */
final class NovaStatusToServerStatus {
    private NovaStatusToServerStatus() {
    }

    static ServerStatus convert(Server.Status status, String taskState) {
        if ("deleting".equals(taskState)) {
            return ServerStatus.DELETING;
        }
        if (status == null) {
            return ServerStatus.UNKNOWN;
        }
        return switch (status) {
            case BUILD, REBUILD -> ServerStatus.BUILDING;
            case ACTIVE, REBOOT, HARD_REBOOT, PASSWORD -> ServerStatus.ACTIVE;
            case SHUTOFF, STOPPED, SUSPENDED, PAUSED, SHELVED, SHELVED_OFFLOADED -> ServerStatus.STOPPED;
            case RESIZE, VERIFY_RESIZE, REVERT_RESIZE, MIGRATING -> ServerStatus.RESIZING;
            case DELETED -> ServerStatus.DELETING;
            case ERROR -> ServerStatus.ERROR;
            default -> ServerStatus.UNKNOWN;
        };
    }
}
