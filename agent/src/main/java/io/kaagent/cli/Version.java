package io.kaagent.cli;

import java.io.File;
import java.net.URL;
import java.security.CodeSource;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** The agent's version, from the {@code Implementation-Version} of the jar's manifest. */
final class Version {
    static final String DEVELOPMENT = "0.1.0-dev";

    private Version() {
    }

    static String current() {
        Package pkg = Version.class.getPackage();
        String version = pkg == null ? null : pkg.getImplementationVersion();
        if (version == null) {
            version = fromCodeSourceManifest();
        }
        return version == null ? DEVELOPMENT : version;
    }

    /**
     * The agent's own class loader may define its classes without the jar's manifest attributes (they are stored
     * under {@code inst/}), so read the manifest of the jar the class came from directly.
     */
    private static String fromCodeSourceManifest() {
        try {
            CodeSource source = Version.class.getProtectionDomain().getCodeSource();
            URL location = source == null ? null : source.getLocation();
            if (location == null || !"file".equals(location.getProtocol()) || !location.getPath().endsWith(".jar")) {
                return null;
            }
            try (JarFile jar = new JarFile(new File(location.toURI()))) {
                Manifest manifest = jar.getManifest();
                return manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
            }
        } catch (Exception unreadable) {
            // A development build without a jar, or a locked-down loader: the development version is the answer.
            return null;
        }
    }
}
