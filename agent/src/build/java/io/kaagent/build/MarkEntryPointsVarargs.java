package io.kaagent.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Build step (agent/pom.xml, process-classes): sets ACC_VARARGS on the launcher's {@code premain} and
 * {@code agentmain}. The JVM calls them through core reflection. From JDK 18 on, reflection runs on method handles,
 * and that first call spins lambda forms: ~8 ms of a cold JDK 25's main thread, before premain's first line.
 * A method flagged varargs whose last parameter is no array is called through the JDK's native accessor instead
 * (MethodHandleAccessorFactory.useNativeAccessor: method handles cannot express it). javac sets the flag only for
 * array parameters, hence this step. The JVM and reflection accept the flag; javac does not: it refuses to compile
 * against the marked class ("malformed variable arity method"), so nothing refers to AgentMain at compile time (the
 * tests look it up by name). Idempotent: a second run changes nothing.
 */
public final class MarkEntryPointsVarargs {
    private static final String DESCRIPTOR = "(Ljava/lang/String;Ljava/lang/instrument/Instrumentation;)V";

    private MarkEntryPointsVarargs() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Paths.get(args[0]);
        ClassReader reader = new ClassReader(Files.readAllBytes(file));
        ClassWriter writer = new ClassWriter(reader, 0);
        int[] marked = {0};
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                boolean entryPoint = (name.equals("premain") || name.equals("agentmain"))
                        && descriptor.equals(DESCRIPTOR) && (access & Opcodes.ACC_STATIC) != 0;
                if (entryPoint) {
                    marked[0]++;
                }
                return super.visitMethod(entryPoint ? access | Opcodes.ACC_VARARGS : access, name, descriptor,
                        signature, exceptions);
            }
        }, 0);
        if (marked[0] != 2) {
            throw new IllegalStateException(file + ": expected premain and agentmain " + DESCRIPTOR + ", found "
                    + marked[0]);
        }
        Files.write(file, writer.toByteArray());
    }
}
