print("klaro")
