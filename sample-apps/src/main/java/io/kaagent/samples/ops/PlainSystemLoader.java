package io.kaagent.samples.ops;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * A system class loader of the application's own ({@code -Djava.system.class.loader}), as some launchers and
 * application servers install one, without the {@code appendToClassPathForInstrumentation} method through which a
 * JVM adds an agent's jar: no Java agent can be loaded into such a JVM.
 */
public final class PlainSystemLoader extends URLClassLoader {
    public PlainSystemLoader(ClassLoader parent) {
        super(new URL[0], parent);
    }
}
