"""The calling floor in the main menu (`crm.navigation`). The agent's own state is not a
menu entry but the control in the header (templates/base.html, for agents and team
managers); the wallboard's entry is performance's."""
