print("klarod")
