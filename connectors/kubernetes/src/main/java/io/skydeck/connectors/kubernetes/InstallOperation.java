package io.skydeck.connectors.kubernetes;

/**
 * What an install's operation id says, "install|namespace/pod|image": the pod and the image a
 * poll waits for. Kubernetes has no operation object, so the id carries everything a restarted
 * service needs. '|' appears in neither an object name nor an image reference.
 */
record InstallOperation(PodId pod, String image) {
    private static final String PREFIX = "install|";

    String format() {
        return PREFIX + pod.format() + "|" + image;
    }

    static boolean isInstall(String operationId) {
        return operationId.startsWith(PREFIX);
    }

    /** @throws IllegalArgumentException for an id this connector did not write */
    static InstallOperation parse(String operationId) {
        String[] parts = operationId.split("\\|", -1);
        String[] pod = parts.length == 3 ? parts[1].split("/", -1) : new String[0];
        if (!isInstall(operationId) || pod.length != 2 || pod[0].isEmpty() || pod[1].isEmpty() || parts[2].isEmpty()) {
            throw new IllegalArgumentException("not a Kubernetes install operation: " + operationId);
        }
        return new InstallOperation(new PodId(pod[0], pod[1]), parts[2]);
    }
}
