package io.kaagent.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed key pair made with {@code keytool -genkeypair} in a temporary directory; the same PKCS12 file is the
 * key store and the trust store, for the child ({@link #childSystemProperties()}) and this JVM ({@link #context()}).
 */
public final class TestTls {
    private static final String PASSWORD = "changeit";
    private final Path keyStore;
    private final SSLContext context;

    private TestTls(Path keyStore, SSLContext context) {
        this.keyStore = keyStore;
        this.context = context;
    }

    public static TestTls create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Path keyStore = dir.resolve("test-keystore.p12");
        List<String> cmd = List.of(TestEnv.keytoolExecutable().toString(), "-genkeypair", "-alias", "ka-test",
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool did not finish in 30 s: " + output);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed with " + p.exitValue() + ": " + output);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return new TestTls(keyStore, context);
    }

    public SSLContext context() {
        return context;
    }

    /** -Djavax.net.ssl.* for a child whose default SSL context should use this key pair, as server and client. */
    public Map<String, String> childSystemProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("javax.net.ssl.keyStore", keyStore.toString());
        p.put("javax.net.ssl.keyStorePassword", PASSWORD);
        p.put("javax.net.ssl.keyStoreType", "PKCS12");
        p.put("javax.net.ssl.trustStore", keyStore.toString());
        p.put("javax.net.ssl.trustStorePassword", PASSWORD);
        p.put("javax.net.ssl.trustStoreType", "PKCS12");
        return p;
    }
}
