"""The production stack: settings in, a Terraform document out.

`parts/` holds one module per part, `compose` builds them in the order their reads imply,
`outputs` declares what a deployment shows to every reader, `synth` writes the files, `app/`
is the user's own application (user data, an extension, extra Terraform). This package's
own module imports nothing, so reading the outputs' declaration does not build a stack.
"""
