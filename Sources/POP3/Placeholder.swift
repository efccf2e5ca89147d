// POP3
