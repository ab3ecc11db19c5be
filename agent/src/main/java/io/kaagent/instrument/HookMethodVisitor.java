package io.kaagent.instrument;

import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The inlined code: one static call into the bootstrap bridge, JDK types only. The bridge catches everything, so
 * nothing thrown by the agent reaches the application's connect, accept or setOption.
 */
final class HookMethodVisitor extends MethodVisitor {
    static final String BRIDGE = "io/kaagent/bootstrap/KaBridge";
    private final HookKind kind;

    HookMethodVisitor(MethodVisitor next, HookKind kind) {
        super(Opcodes.ASM9, next);
        this.kind = kind;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        if (kind == HookKind.GUARD_SET_KEEPALIVE || kind == HookKind.GUARD_SET_OPTION) {
            Label proceed = new Label();
            super.visitVarInsn(Opcodes.ALOAD, 0);
            if (kind == HookKind.GUARD_SET_KEEPALIVE) {
                super.visitLdcInsn("SO_KEEPALIVE");
            } else {
                super.visitVarInsn(Opcodes.ALOAD, 1);
            }
            super.visitMethodInsn(Opcodes.INVOKESTATIC, BRIDGE, "neutralise",
                    "(Ljava/lang/Object;Ljava/lang/Object;)Z", false);
            super.visitJumpInsn(Opcodes.IFEQ, proceed);
            if (kind == HookKind.GUARD_SET_KEEPALIVE) {
                super.visitInsn(Opcodes.RETURN);
            } else {
                // setOption returns this.
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitInsn(Opcodes.ARETURN);
            }
            super.visitLabel(proceed);
            // The frame at the branch target is the method's initial frame.
            super.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        }
    }

    @Override
    public void visitInsn(int opcode) {
        switch (kind) {
            case CONNECTED_WITH_ARGUMENT:
                if (opcode == Opcodes.RETURN) {
                    super.visitVarInsn(Opcodes.ALOAD, 0);
                    super.visitVarInsn(Opcodes.ALOAD, 1);
                    callBridge("connected", "(Ljava/lang/Object;Ljava/lang/Object;)V");
                }
                break;
            case CONNECTED:
                if (opcode == Opcodes.RETURN) {
                    super.visitVarInsn(Opcodes.ALOAD, 0);
                    super.visitInsn(Opcodes.ACONST_NULL);
                    callBridge("connected", "(Ljava/lang/Object;Ljava/lang/Object;)V");
                }
                break;
            case CONNECTED_IF_TRUE:
                if (opcode == Opcodes.IRETURN) {
                    super.visitInsn(Opcodes.DUP);
                    super.visitVarInsn(Opcodes.ALOAD, 0);
                    callBridge("connectedIf", "(ZLjava/lang/Object;)V");
                }
                break;
            case ACCEPTED_ARGUMENT:
                if (opcode == Opcodes.RETURN) {
                    super.visitVarInsn(Opcodes.ALOAD, 1);
                    super.visitVarInsn(Opcodes.ALOAD, 0);
                    callBridge("accepted", "(Ljava/lang/Object;Ljava/lang/Object;)V");
                }
                break;
            case ACCEPTED_RESULT:
                if (opcode == Opcodes.ARETURN) {
                    super.visitInsn(Opcodes.DUP);
                    super.visitVarInsn(Opcodes.ALOAD, 0);
                    callBridge("accepted", "(Ljava/lang/Object;Ljava/lang/Object;)V");
                }
                break;
            default:
                break;
        }
        super.visitInsn(opcode);
    }

    private void callBridge(String method, String descriptor) {
        super.visitMethodInsn(Opcodes.INVOKESTATIC, BRIDGE, method, descriptor, false);
    }
}
