"""Your application on prodstack: the launch template's user data (prodstack's bootstrap, then
yours), validation of the application settings, your own Terraform folder (`extra_config`)
and Python extensions (`extend`). See docs/application.md.

- `limits`: ports the stack uses itself, the application's port range, AWS size limits;
- `validation`: the application settings (`app_*`, `health_check_*`, `extra_config`, `extend`);
- `userdata`: prodstack's bootstrap and how the user's part is combined with it;
- `extra`: copying `extra_config` into the working folder, and what it may not declare;
- `extension`: loading and calling `extend(stack)`.
"""
