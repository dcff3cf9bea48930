package io.skydeck.operations;

/** The long-running things Skydeck does in a provider on a tenant's behalf. */
public enum OperationKind {
    CREATE_SERVER, DELETE_SERVER, START_SERVER, STOP_SERVER, RESIZE_SERVER,
    CREATE_WORKLOAD, DELETE_WORKLOAD, SCALE_WORKLOAD,
    CREATE_NETWORK, DELETE_NETWORK, CREATE_SUBNET,
    ALLOCATE_PUBLIC_IP, RELEASE_PUBLIC_IP, ASSOCIATE_PUBLIC_IP, DISASSOCIATE_PUBLIC_IP,
    CREATE_SECURITY_GROUP, APPLY_SECURITY_GROUP, DELETE_SECURITY_GROUP;

    public boolean deletes() {
        return this == DELETE_SERVER || this == DELETE_WORKLOAD || this == DELETE_NETWORK || this == RELEASE_PUBLIC_IP || this == DELETE_SECURITY_GROUP;
    }
}
