package io.kaagent;

/** The Java feature release (8, 11, 17, 25...) of this JVM or of another one's {@code java.specification.version}. */
public final class JavaRelease {
    private JavaRelease() {
    }

    /** This JVM's feature release. */
    public static int current() {
        return feature(System.getProperty("java.specification.version"));
    }

    /** @return 8 for "1.8", 17 for "17", 0 when the text is missing or not a version */
    public static int feature(String specificationVersion) {
        if (specificationVersion == null) {
            return 0;
        }
        String version = specificationVersion.startsWith("1.") ? specificationVersion.substring(2)
                : specificationVersion;
        int dot = version.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
